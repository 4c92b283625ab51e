"""Telegram rendering: HTML card pages, inline keyboards and compact callback data.

Callback data carries ids, never content, and always fits Telegram's 64 bytes. Whoever
presses a button is checked against the deck's owner by the handler (every store read
takes the presser's user id), so forged data finds nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.buttons import ID, OPTION, PAGE, QUESTION, RATING
from bot.pages import PAGE_SIZE, clamp_page, page_count, page_of
from core.models import Word
from core.srs import Answer, Kind, Question
from core.store import Card, CardKind, DeckInfo

esc = partial(html.escape, quote=False)  # text nodes; attributes use quote=True
MAX_SENTENCE = 280
MAX_TEXT = 4096
NOOP = "n"


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button press."""

    action: str
    deck_id: int = 0
    kind: CardKind = "word"
    page: int = 0
    card_id: int = 0
    value: str = ""


def encode(*parts: object) -> str:
    data = "|".join(str(p) for p in parts)
    assert len(data.encode()) <= 64, data
    return data


def _kind(m: re.Match[str]) -> CardKind:
    return "word" if m["kind"] == "w" else "phrase"


_DECODERS: list[tuple[str, Callable[[re.Match[str]], Press]]] = [
    # page view / know the whole page
    (
        rf"(?P<a>[pK])\|(?P<deck>{ID})\|(?P<kind>[wp])\|(?P<page>{PAGE})",
        lambda m: Press(m["a"], int(m["deck"]), _kind(m), int(m["page"])),
    ),
    # know one card
    (
        rf"k\|(?P<deck>{ID})\|(?P<card>{ID})\|(?P<page>{PAGE})",
        lambda m: Press("k", int(m["deck"]), page=int(m["page"]), card_id=int(m["card"])),
    ),
    (
        rf"x\|(?P<deck>{ID})\|(?P<fmt>apkg|csv)",
        lambda m: Press("x", int(m["deck"]), value=m["fmt"]),
    ),
    (rf"d\|(?P<deck>{ID})", lambda m: Press("d", int(m["deck"]))),  # open a deck
    # settings: learner language, level (the handler checks the value)
    (r"(?P<a>sl|sv)\|(?P<v>[A-Za-z0-9-]{1,10})", lambda m: Press(m["a"], value=m["v"])),
    # quiz: answer option n / rate 1-4, of question id; show the answer
    (
        rf"qa\|(?P<q>{QUESTION})\|(?P<n>{OPTION})",
        lambda m: Press("qa", value=m["q"], page=int(m["n"])),
    ),
    (
        rf"qr\|(?P<q>{QUESTION})\|(?P<n>{RATING})",
        lambda m: Press("qr", value=m["q"], page=int(m["n"])),
    ),
    (rf"qs\|(?P<q>{QUESTION})", lambda m: Press("qs", value=m["q"])),
    (NOOP, lambda m: Press(NOOP)),
]
_COMPILED = [(re.compile(pattern), build) for pattern, build in _DECODERS]


def decode(data: str) -> Press | None:
    """The press for callback data, or None when it is not ours, malformed or out of range
    (a forged id past SQLite's integers, a rating of 9)."""
    for pattern, build in _COMPILED:
        match = pattern.fullmatch(data)
        if match:
            return build(match)
    return None


def _k(kind: CardKind) -> str:
    return "w" if kind == "word" else "p"


def _sentence(text: str) -> str:
    return text if len(text) <= MAX_SENTENCE else text[: MAX_SENTENCE - 1] + "…"


def card_html(number: int, card: Card, known: bool) -> str:
    item = card.item
    head = esc(card.front)
    head = f"<s>{head}</s> ✓" if known else f"<b>{head}</b>"
    pos = f" <i>{esc(item.pos)}</i>" if isinstance(item, Word) else ""
    line = f"{number}. {head}{pos} — {esc(item.meaning)}"
    quote = f"<i>“{esc(_sentence(item.sentence))}”</i>"
    if item.link:
        href = html.escape(item.link, quote=True)
        quote += f' <a href="{href}">▶ {texts.clock(item.start) or "video"}</a>'
    return f"{line}\n{quote}"


def page_html(
    info: DeckInfo, cards: list[Card], kind: CardKind, page: int, known: frozenset[str]
) -> str:
    page = clamp_page(page, cards)
    shown = page_of(cards, page)
    title = esc(info.title or info.video_id or "Your deck")
    label = "Words" if kind == "word" else "Phrases"
    head = f"📚 <b>{title}</b>\n{label}"
    if cards:
        first = page * PAGE_SIZE + 1
        head += f" {first}–{first + len(shown) - 1} of {len(cards)}"
    if info.simulated:
        head += f"\n<i>{esc(texts.SIMULATED)}</i>"
    body = "\n\n".join(
        card_html(page * PAGE_SIZE + i + 1, c, c.key in known) for i, c in enumerate(shown)
    )
    if not cards:
        body = "No phrases in this video." if kind == "phrase" else "No words in this deck."
    text = f"{head}\n\n{body}"
    if info.missing:
        text += f"\n\n{esc(texts.partial_notice(info.missing))}"
    return text[:MAX_TEXT]


def page_keyboard(
    info: DeckInfo,
    cards: list[Card],
    kind: CardKind,
    page: int,
    known: frozenset[str],
) -> InlineKeyboardMarkup:
    page = clamp_page(page, cards)
    pages = page_count(cards)
    deck, k = info.id, _k(kind)
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton("◀", callback_data=encode("p", deck, k, page - 1)))
    nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=NOOP))
    if page + 1 < pages:
        nav.append(InlineKeyboardButton("▶", callback_data=encode("p", deck, k, page + 1)))
    words_label = f"{'• ' if kind == 'word' else ''}📖 Words ({info.words})"
    phrases_label = f"{'• ' if kind == 'phrase' else ''}💬 Phrases ({info.phrases})"
    rows = [
        nav,
        [
            InlineKeyboardButton(words_label, callback_data=encode("p", deck, "w", 0)),
            InlineKeyboardButton(phrases_label, callback_data=encode("p", deck, "p", 0)),
        ],
    ]
    shown = page_of(cards, page)
    unknown = [(i, c) for i, c in enumerate(shown) if c.key not in known]
    if unknown:
        rows.append(
            [
                InlineKeyboardButton(
                    f"✓{page * PAGE_SIZE + i + 1}", callback_data=encode("k", deck, c.id, page)
                )
                for i, c in unknown
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    "✓ I know all of these", callback_data=encode("K", deck, k, page)
                )
            ]
        )
    rows.append(_export_row(deck))
    return InlineKeyboardMarkup(rows)


def _export_row(deck_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton("⬇️ Anki (.apkg)", callback_data=encode("x", deck_id, "apkg")),
        InlineKeyboardButton("⬇️ CSV", callback_data=encode("x", deck_id, "csv")),
    ]


def export_keyboard(deck_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_export_row(deck_id)])


def decks_keyboard(decks: list[DeckInfo]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                f"{(d.title or d.video_id or 'deck')[:40]} · {d.words}w {d.phrases}p",
                callback_data=encode("d", d.id),
            )
        ]
        for d in decks[:20]
    ]
    return InlineKeyboardMarkup(rows)


def settings_keyboard(learner_language: str, level: str) -> InlineKeyboardMarkup:
    languages = [
        InlineKeyboardButton(
            f"{'• ' if code == learner_language else ''}{code}",
            callback_data=encode("sl", code),
        )
        for code in texts.LEARNER_LANGUAGES
    ]
    levels = [
        InlineKeyboardButton(f"{'• ' if lv == level else ''}{lv}", callback_data=encode("sv", lv))
        for lv in texts.LEVEL_NAMES
    ]
    return InlineKeyboardMarkup([languages[:5], languages[5:], levels])


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


# -- quiz -------------------------------------------------------------------------------


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


def question_keyboard(question: Question) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(option[:60], callback_data=encode("qa", question.id, i + 1))]
        for i, option in enumerate(question.options)
    ]
    if not question.options:
        rows.append(
            [InlineKeyboardButton("🤷 Show the answer", callback_data=encode("qs", question.id))]
        )
    return InlineKeyboardMarkup(rows)


def answer_html(answer: Answer) -> str:
    item = answer.card.item
    verdict = "✅ Right!" if answer.correct else "❌ Not quite."
    if answer.card.simulated:
        verdict += f"\n<i>{esc(texts.SIMULATED)}</i>"
    pos = f" <i>{esc(item.pos)}</i>" if isinstance(item, Word) else ""
    lines = [
        verdict,
        f"<b>{esc(answer.card.front)}</b>{pos} — {esc(item.meaning)}",
        f"<i>“{esc(_sentence(item.sentence))}”</i>",
    ]
    if item.link:
        href = html.escape(item.link, quote=True)
        lines[-1] += f' <a href="{href}">▶ {texts.clock(item.start) or "video"}</a>'
    if not answer.correct and answer.given:
        lines.insert(1, f"You answered: {esc(answer.given)}")
    lines.append("How well did you know it?")
    return "\n".join(lines)


def rating_keyboard(answer: Answer) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            f"{'• ' if value == int(answer.suggested) else ''}{label}",
            callback_data=encode("qr", answer.question.id, value),
        )
        for value, label in texts.RATINGS
    ]
    return InlineKeyboardMarkup([buttons])
