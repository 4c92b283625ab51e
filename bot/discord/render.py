"""Discord rendering: embeds always inside Discord's limits, text that cannot ping anyone.

Limits: title 256, description 4096, 25 fields, field name 256, field value 1024,
footer 2048, 6000 characters in all. Transcript text is escaped (markdown and mentions),
and every message is also sent with AllowedMentions.none().
"""

from __future__ import annotations

import discord
from discord.utils import escape_markdown, escape_mentions

from bot import texts
from core.actions import DeckPage, PageCard, QuizTurn
from core.models import Word
from core.srs import Answer, Kind, Question, Stats
from core.store import DeckInfo

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, TOTAL = (
    256, 4096, 25, 256, 1024, 2048, 6000,
)  # fmt: skip
COLOUR = discord.Colour.from_rgb(88, 101, 242)
NO_PINGS = discord.AllowedMentions.none()


def safe(text: str) -> str:
    """Markdown shown as typed, mentions that cannot ping (@everyone, <@123>, roles)."""
    return escape_mentions(escape_markdown(text))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed_size(embed: discord.Embed) -> int:
    size = len(embed.title or "") + len(embed.description or "") + len(embed.footer.text or "")
    return size + sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


def _card_field(shown: PageCard, sentence_limit: int) -> tuple[str, str]:
    card, item = shown.card, shown.card.item
    pos = f" · {item.pos}" if isinstance(item, Word) else ""
    name = f"{shown.number}. {card.front}{pos}{' ✓ known' if shown.known else ''}"
    sentence = cut(item.sentence, sentence_limit)
    value = f"**{safe(cut(item.meaning, 200))}**\n> {safe(sentence)}"
    if item.link:
        value += f"\n[▶ {texts.clock(item.start) or 'video'}]({item.link})"
    return cut(safe(name), FIELD_NAME), cut(value, FIELD_VALUE)


def deck_embed(page: DeckPage) -> discord.Embed:
    info = page.deck
    label = "Words" if page.kind == "word" else "Phrases"
    description = (
        f"{label} {page.first}–{page.last} of {page.total}"
        if page.cards
        else f"No {label.lower()} in this deck."
    )
    if info.missing:
        description += f"\n\n⚠️ {texts.partial_notice(info.missing)}"
    if info.simulated:
        description = f"{texts.SIMULATED}\n\n{description}"
    for sentence_limit in (400, 200, 100, 40):  # shrink until the whole embed fits
        embed = discord.Embed(
            title=cut(safe(info.title or info.video_id or "Your deck"), TITLE),
            description=cut(safe(description), DESCRIPTION),
            colour=COLOUR,
        )
        for shown in page.cards[:FIELDS]:
            name, value = _card_field(shown, sentence_limit)
            embed.add_field(name=name, value=value, inline=False)
        embed.set_footer(text=f"page {page.page + 1}/{page.pages} · ✓ marks a word as known")
        if embed_size(embed) <= TOTAL:
            return embed
    return embed


def decks_embed(decks: list[DeckInfo]) -> discord.Embed:
    embed = discord.Embed(title="Your decks", colour=COLOUR)
    lines = [
        f"{i}. {safe(cut(d.title or d.video_id or 'deck', 80))} · {d.words} words, "
        f"{d.phrases} phrases"
        for i, d in enumerate(decks[:20], 1)
    ]
    embed.description = cut("\n".join(lines) or texts.NO_DECKS, DESCRIPTION)
    return embed


def question_embed(question: Question) -> discord.Embed:
    embed = discord.Embed(title=cut(safe(question.prompt), TITLE), colour=COLOUR)
    parts = []
    if question.sentence:
        parts.append(f"> {safe(cut(question.sentence, 900))}")
    if question.hint:
        parts.append(f"Hint: {safe(cut(question.hint, 200))}")
    for i, option in enumerate(question.options, 1):
        parts.append(f"**{i}.** {safe(cut(option, 200))}")
    if question.kind == Kind.CLOZE:
        parts.append("Press ✍️ Answer and type the word.")
    embed.description = cut("\n".join(parts), DESCRIPTION)
    if question.link:
        embed.url = question.link
    return embed


def answer_embed(answer: Answer) -> discord.Embed:
    item = answer.card.item
    verdict = "✅ Right!" if answer.correct else "❌ Not quite."
    embed = discord.Embed(title=verdict, colour=COLOUR)
    lines = [f"**{safe(answer.card.front)}** — {safe(cut(item.meaning, 300))}"]
    if not answer.correct and answer.given:
        lines.append(f"You answered: {safe(cut(answer.given, 200))}")
    lines.append(f"> {safe(cut(item.sentence, 900))}")
    if item.link:
        lines.append(f"[▶ {texts.clock(item.start) or 'video'}]({item.link})")
    lines.append("How well did you know it?")
    if answer.card.simulated:
        lines.insert(0, f"*{texts.SIMULATED}*")
    embed.description = cut("\n".join(lines), DESCRIPTION)
    return embed


def stats_embed(stats: Stats) -> discord.Embed:
    return discord.Embed(description=texts.stats_text(stats), colour=COLOUR)


def turn_embed(turn: QuizTurn) -> discord.Embed:
    """A quiz turn: the question, or why there is none (with the learner's stats)."""
    if turn.question is not None:
        return question_embed(turn.question)
    if turn.no_cards or turn.stats is None:
        return discord.Embed(description=texts.NO_CARDS, colour=COLOUR)
    embed = stats_embed(turn.stats)
    embed.title = texts.NOTHING_DUE
    return embed
