"""Discord rendering: embeds always inside Discord's limits, text that cannot ping anyone.

Limits: title 256, description 4096, 25 fields, field name 256, field value 1024,
footer 2048, 6000 characters in all. Transcript text is escaped (markdown and mentions),
and every message is also sent with AllowedMentions.none().
"""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import habit_texts, texts
from core import (
    Answer,
    DeckInfo,
    DeckPage,
    Habit,
    Kind,
    PageCard,
    Progress,
    Question,
    QuizTurn,
    SentenceTranslation,
    Stats,
    Translator,
    Word,
    card_ipa,
)

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, TOTAL = (
    256, 4096, 25, 256, 1024, 2048, 6000,
)  # fmt: skip
COLOUR = discord.Colour.from_rgb(88, 101, 242)
NO_PINGS = discord.AllowedMentions.none()
MESSAGE_LIMIT = 2000  # characters of a message's content


def safe(text: str) -> str:
    """Markdown shown as typed, mentions that cannot ping (@everyone, <@123>, roles)."""
    return escape_mentions(escape_markdown(text))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed_size(embed: discord.Embed) -> int:
    size = len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")
    return size + sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


def _moment(tr: Translator, url: str | None, start: float | None) -> str:
    """▶ 1:02 linked to that second; a file that names no video shows the time alone."""
    if not url:
        return f"⏱ {texts.clock(start)}" if start is not None else ""
    return f"[▶ {texts.clock(start) or tr('video')}]({url})"


def _card_field(tr: Translator, shown: PageCard, sentence_limit: int) -> tuple[str, str]:
    card, item = shown.card, shown.card.item
    pos = f" · {texts.pos_name(tr, item.pos)}" if isinstance(item, Word) else ""
    known = " ✓ " + tr("known") if shown.known else ""
    sound = f" {ipa}" if (ipa := card_ipa(card)) else ""
    name = f"{shown.number}. {card.front}{sound}{pos}{known}"
    sentence = cut(item.sentence, sentence_limit)
    value = f"**{safe(cut(item.meaning, 200))}**\n> {safe(sentence)}"
    if moment := _moment(tr, item.link, item.start):
        value += "\n" + moment
    return cut(safe(name), FIELD_NAME), cut(value, FIELD_VALUE)


def deck_embed(tr: Translator, page: DeckPage) -> discord.Embed:
    info = page.deck
    label = tr(texts.WORDS if page.kind == "word" else texts.PHRASES)
    if page.cards:
        description = texts.page_range(tr, label, page.first, page.last, page.total)
        if page.offers_more:
            description += "\n" + texts.shown_line(tr, page.kind, page.shown_count, page.total)
    else:
        description = texts.empty_tab(tr, page.kind)
    if info.missing:
        description += f"\n\n{texts.partial_notice(tr, info.missing)}"
    if info.simulated:
        description = f"{tr(texts.SIMULATED)}\n\n{description}"
    footer = tr(
        "page {page}/{pages} · ✓ marks a word as known", page=page.page + 1, pages=page.pages
    )
    for sentence_limit in (400, 200, 100, 40):  # shrink until the whole embed fits
        embed = discord.Embed(
            title=cut(safe(info.title or info.video_id or tr("Your deck")), TITLE),
            description=cut(safe(description), DESCRIPTION),
            colour=COLOUR,
        )
        for shown in page.cards[:FIELDS]:
            name, value = _card_field(tr, shown, sentence_limit)
            embed.add_field(name=name, value=value, inline=False)
        embed.set_footer(text=footer)
        if embed_size(embed) <= TOTAL:
            return embed
    return embed


def decks_embed(tr: Translator, decks: list[DeckInfo]) -> discord.Embed:
    embed = discord.Embed(title=tr("Your decks"), colour=COLOUR)
    tr_deck = tr("deck")
    lines = [
        f"{i}. {safe(cut(d.title or d.video_id or tr_deck, 80))} · "
        + texts.deck_counts(tr, d.words, d.phrases)
        for i, d in enumerate(decks[:20], 1)
    ]
    embed.description = cut("\n".join(lines) or tr(texts.NO_DECKS), DESCRIPTION)
    return embed


def question_embed(tr: Translator, question: Question) -> discord.Embed:
    prompt = texts.question_prompt(tr, question)
    embed = discord.Embed(title=cut(safe(prompt), TITLE), colour=COLOUR)
    parts = []
    if question.sentence:
        parts.append(f"> {safe(cut(question.sentence, 900))}")
    if question.hint:
        parts.append(safe(tr("Hint: {hint}", hint=cut(question.hint, 200))))
    for i, option in enumerate(question.options, 1):
        parts.append(f"**{i}.** {safe(cut(option, 200))}")
    if question.kind == Kind.CLOZE:
        parts.append(tr("Press ✍️ Answer and type the word."))
    embed.description = cut("\n".join(parts), DESCRIPTION)
    if question.link:
        embed.url = question.link
    return embed


def answer_embed(tr: Translator, answer: Answer) -> discord.Embed:
    item = answer.card.item
    verdict = tr("✅ Right!") if answer.correct else tr("❌ Not quite.")
    embed = discord.Embed(title=verdict, colour=COLOUR)
    sound = f" {safe(ipa)}" if (ipa := card_ipa(answer.card)) else ""
    lines = [f"**{safe(answer.card.front)}**{sound} — {safe(cut(item.meaning, 300))}"]
    if not answer.correct and answer.given:
        lines.append(safe(tr("You answered: {given}", given=cut(answer.given, 200))))
    lines.append(f"> {safe(cut(item.sentence, 900))}")
    if moment := _moment(tr, item.link, item.start):
        lines.append(moment)
    lines.append(tr(texts.HOW_WELL))
    if answer.card.simulated:
        lines.insert(0, f"*{tr(texts.SIMULATED)}*")
    embed.description = cut("\n".join(lines), DESCRIPTION)
    return embed


def translation_text(tr: Translator, done: SentenceTranslation) -> str:
    """🌐 the card's sentence quoted, then its translation (and the simulator's label)."""
    lines = [f"🌐 > {safe(cut(done.sentence, 900))}", f"→ {safe(cut(done.text, 900))}"]
    if done.simulated:
        lines.append(f"*{tr(texts.SIMULATED_TRANSLATION)}*")
    return cut("\n".join(lines), 2000)


def stats_embed(tr: Translator, stats: Stats, habit: Habit | None = None) -> discord.Embed:
    text = texts.stats_text(tr, stats)
    if habit is not None:
        text += "\n" + habit_texts.streak_line(tr, habit)
    return discord.Embed(description=text, colour=COLOUR)


def turn_embed(tr: Translator, turn: QuizTurn) -> discord.Embed:
    """A quiz turn: the question, or why there is none (with the learner's stats)."""
    if turn.question is not None:
        return question_embed(tr, turn.question)
    if turn.no_cards or turn.stats is None:
        return discord.Embed(description=tr(texts.NO_CARDS), colour=COLOUR)
    embed = stats_embed(tr, turn.stats, turn.habit)
    if turn.habit is None:
        embed.title = cut(tr(texts.NOTHING_DUE), TITLE)
    elif turn.habit.more_new:  # today's cards are done, more wait: "learn 10 more"
        embed.title = cut(habit_texts.more_waiting(tr, turn.habit.unstudied), TITLE)
    else:
        embed.title = cut(tr(habit_texts.ALL_DONE), TITLE)
    return embed


def building_page_text(tr: Translator, progress: Progress) -> str:
    """The first page of a deck still being built, as message text: its cards so far under
    a line that says more are coming (the counts updated as chunks answer)."""
    lines = [safe(texts.building_page_head(tr, progress))]
    for number, word in enumerate(progress.page, 1):
        pos = f" · {texts.pos_name(tr, word.pos)}" if word.pos else ""
        lines.append(
            f"\n**{number}. {safe(word.lemma)}**{safe(pos)} — {safe(cut(word.meaning, 200))}"
        )
        lines.append(f"> {safe(cut(word.sentence, 200))}")
    return cut("\n".join(lines), MESSAGE_LIMIT)
