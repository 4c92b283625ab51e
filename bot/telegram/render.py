"""Telegram HTML: card pages, quiz questions and answers, help and settings.

Everything from a video or a learner is escaped (`esc`); a message never passes Telegram's
4,096 characters (a page is cut, a long text is split at line breaks). Every word the bot
says is in the learner's interface language (`tr`).
"""

from __future__ import annotations

import html
from functools import partial

from bot import texts
from core import Answer, DeckPage, Kind, PageCard, Question, Stats, Translator, Word

esc = partial(html.escape, quote=False)  # text nodes; attributes use quote=True
MAX_SENTENCE = 280
MAX_TEXT = 4096


def _sentence(text: str) -> str:
    return text if len(text) <= MAX_SENTENCE else text[: MAX_SENTENCE - 1] + "…"


def _link(url: str | None, label: str) -> str:
    if not url:
        return ""
    return f' <a href="{html.escape(url, quote=True)}">▶ {esc(label)}</a>'


def _moment(tr: Translator, url: str | None, start: float | None) -> str:
    """▶ 1:02, linked to that second of the video (or the video, for untimed text); a file
    that names no video shows the time stamp alone."""
    if not url:
        return f" ⏱ {texts.clock(start)}" if start is not None else ""
    return _link(url, texts.clock(start) or tr("video"))


def card_html(tr: Translator, shown: PageCard) -> str:
    item, card = shown.card.item, shown.card
    head = esc(card.front)
    head = f"<s>{head}</s> ✓" if shown.known else f"<b>{head}</b>"
    pos = f" <i>{esc(texts.pos_name(tr, item.pos))}</i>" if isinstance(item, Word) else ""
    line = f"{shown.number}. {head}{pos} — {esc(item.meaning)}"
    quote = f"<i>“{esc(_sentence(item.sentence))}”</i>" + _moment(tr, item.link, item.start)
    return f"{line}\n{quote}"


def page_html(tr: Translator, page: DeckPage) -> str:
    info = page.deck
    title = esc(info.title or info.video_id or tr("Your deck"))
    label = tr(texts.WORDS if page.kind == "word" else texts.PHRASES)
    head = f"📚 <b>{title}</b>\n"
    head += texts.page_range(tr, label, page.first, page.last, page.total) if page.cards else label
    if page.offers_more:
        head += f"\n{esc(texts.shown_line(tr, page.kind, page.shown_count, page.total))}"
    if info.simulated:
        head += f"\n<i>{esc(tr(texts.SIMULATED))}</i>"
    body = "\n\n".join(card_html(tr, c) for c in page.cards)
    if not page.cards:
        body = esc(texts.empty_tab(tr, page.kind))
    text = f"{head}\n\n{body}"
    if info.missing:
        text += f"\n\n{esc(texts.partial_notice(tr, info.missing))}"
    return text[:MAX_TEXT]


def help_html(tr: Translator) -> str:
    return f"<b>{esc(tr(texts.HELP_TITLE))}</b>\n\n{esc(tr(texts.HELP))}"


def settings_html(
    tr: Translator, learner_language: str, level: str, ui: str, deck_size: int | None = None
) -> str:
    pairs, note = texts.settings_lines(tr, learner_language, level, ui, deck_size)
    lines = [f"{esc(label)}: <b>{esc(value)}</b>" for label, value in pairs]
    text = "\n".join(lines) + f"\n\n{esc(note)}"
    if deck_size is not None:
        text += f"\n{esc(tr(texts.SETTINGS_BY_TEXT))}"
    return text


def stats_html(tr: Translator, stats: Stats) -> str:
    return esc(texts.stats_text(tr, stats))


def question_html(tr: Translator, question: Question) -> str:
    icon = "✍️" if question.kind == Kind.CLOZE else "🧠"
    parts = [f"{icon} <b>{esc(texts.question_prompt(tr, question))}</b>"]
    if question.sentence:
        parts.append(f"<i>“{esc(_sentence(question.sentence))}”</i>")
    if question.hint:
        hint = esc(tr("Hint: {hint}", hint=question.hint))
        if question.link:
            hint += " ·" + _link(question.link, tr("hear it"))
        parts.append(hint)
    if question.kind == Kind.CLOZE:
        parts.append(esc(tr(texts.TYPE_THE_WORD)))
    return "\n\n".join(parts)


def answer_html(tr: Translator, answer: Answer) -> str:
    item = answer.card.item
    verdict = tr("✅ Right!") if answer.correct else tr("❌ Not quite.")
    if answer.card.simulated:
        verdict += f"\n<i>{esc(tr(texts.SIMULATED))}</i>"
    pos = f" <i>{esc(texts.pos_name(tr, item.pos))}</i>" if isinstance(item, Word) else ""
    lines = [
        verdict,
        f"<b>{esc(answer.card.front)}</b>{pos} — {esc(item.meaning)}",
        f"<i>“{esc(_sentence(item.sentence))}”</i>" + _moment(tr, item.link, item.start),
    ]
    if not answer.correct and answer.given:
        lines.insert(1, esc(tr("You answered: {given}", given=answer.given)))
    lines.append(esc(tr(texts.HOW_WELL)))
    return "\n".join(lines)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces under Telegram's limit, cut at line breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
