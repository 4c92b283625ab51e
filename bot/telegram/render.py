"""Telegram HTML: card pages, quiz questions and answers, help and settings.

Everything from a video or a learner is escaped (`esc`); a message never passes Telegram's
4,096 characters (a page is cut, a long text is split at line breaks).
"""

from __future__ import annotations

import html
from functools import partial

from bot import texts
from core.actions import DeckPage, PageCard
from core.models import Word
from core.srs import Answer, Kind, Question, Stats
from core.store import DeckInfo

esc = partial(html.escape, quote=False)  # text nodes; attributes use quote=True
MAX_SENTENCE = 280
MAX_TEXT = 4096


def _sentence(text: str) -> str:
    return text if len(text) <= MAX_SENTENCE else text[: MAX_SENTENCE - 1] + "…"


def _link(url: str | None, start: float | None) -> str:
    if not url:
        return ""
    return f' <a href="{html.escape(url, quote=True)}">▶ {texts.clock(start) or "video"}</a>'


def card_html(shown: PageCard) -> str:
    item, card = shown.card.item, shown.card
    head = esc(card.front)
    head = f"<s>{head}</s> ✓" if shown.known else f"<b>{head}</b>"
    pos = f" <i>{esc(item.pos)}</i>" if isinstance(item, Word) else ""
    line = f"{shown.number}. {head}{pos} — {esc(item.meaning)}"
    quote = f"<i>“{esc(_sentence(item.sentence))}”</i>" + _link(item.link, item.start)
    return f"{line}\n{quote}"


def page_html(page: DeckPage) -> str:
    info = page.deck
    title = esc(info.title or info.video_id or "Your deck")
    label = "Words" if page.kind == "word" else "Phrases"
    head = f"📚 <b>{title}</b>\n{label}"
    if page.cards:
        head += f" {page.first}–{page.last} of {page.total}"
    if info.simulated:
        head += f"\n<i>{esc(texts.SIMULATED)}</i>"
    body = "\n\n".join(card_html(c) for c in page.cards)
    if not page.cards:
        body = "No phrases in this video." if page.kind == "phrase" else "No words in this deck."
    text = f"{head}\n\n{body}"
    if info.missing:
        text += f"\n\n{esc(texts.partial_notice(info.missing))}"
    return text[:MAX_TEXT]


def decks_html(decks: list[DeckInfo]) -> str:
    return f"📚 Your decks ({len(decks)}):"


def help_html() -> str:
    return f"<b>{esc(texts.HELP_TITLE)}</b>\n\n{esc(texts.HELP)}"


def settings_html(learner_language: str, level: str) -> str:
    pairs, note = texts.settings_lines(learner_language, level)
    lines = [f"{esc(label)}: <b>{esc(value)}</b>" for label, value in pairs]
    return "\n".join(lines) + f"\n\n{esc(note)}"


def stats_html(stats: Stats) -> str:
    return esc(texts.stats_text(stats))


def question_html(question: Question) -> str:
    icon = "✍️" if question.kind == Kind.CLOZE else "🧠"
    parts = [f"{icon} <b>{esc(question.prompt)}</b>"]
    if question.sentence:
        parts.append(f"<i>“{esc(_sentence(question.sentence))}”</i>")
    if question.hint:
        hint = f"Hint: {esc(question.hint)}"
        if question.link:
            hint += f' · <a href="{html.escape(question.link, quote=True)}">▶ hear it</a>'
        parts.append(hint)
    if question.kind == Kind.CLOZE:
        parts.append("Reply with the word.")
    return "\n\n".join(parts)


def answer_html(answer: Answer) -> str:
    item = answer.card.item
    verdict = "✅ Right!" if answer.correct else "❌ Not quite."
    if answer.card.simulated:
        verdict += f"\n<i>{esc(texts.SIMULATED)}</i>"
    pos = f" <i>{esc(item.pos)}</i>" if isinstance(item, Word) else ""
    lines = [
        verdict,
        f"<b>{esc(answer.card.front)}</b>{pos} — {esc(item.meaning)}",
        f"<i>“{esc(_sentence(item.sentence))}”</i>" + _link(item.link, item.start),
    ]
    if not answer.correct and answer.given:
        lines.insert(1, f"You answered: {esc(answer.given)}")
    lines.append("How well did you know it?")
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
