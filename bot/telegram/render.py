"""Telegram HTML: card pages, quiz questions and answers, help and settings.

Everything from a video or a learner is escaped (`esc`); a message never passes Telegram's
4,096 characters (a page is cut, a long text is split at line breaks), and is never cut
inside an element (`split_html`). Every word the bot
says is in the learner's interface language (`tr`).
"""

from __future__ import annotations

import html
import re
from functools import partial

from bot import habit_texts, texts
from core import (
    Answer,
    Card,
    DeckPage,
    Kind,
    PageCard,
    Progress,
    Question,
    SentenceTranslation,
    Stats,
    Translator,
    Word,
    card_ipa,
)

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


def _ipa(card: Card) -> str:
    """/ˈprɛzənt/ after a word in the dictionary; nothing otherwise."""
    sound = card_ipa(card)
    return f" {esc(sound)}" if sound else ""


def card_html(tr: Translator, shown: PageCard) -> str:
    item, card = shown.card.item, shown.card
    head = esc(card.front)
    head = f"<s>{head}</s> ✓" if shown.known else f"<b>{head}</b>"
    pos = f" <i>{esc(texts.pos_name(tr, item.pos))}</i>" if isinstance(item, Word) else ""
    line = f"{shown.number}. {head}{_ipa(card)}{pos} — {esc(item.meaning)}"
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
    return split_html(text)[0]  # a page is one message (its buttons edit it)


def building_page_html(tr: Translator, progress: Progress) -> str:
    """The first page of a deck still being built: its cards so far, numbered as in the
    deck, under a line that says more are coming (its counts updated as chunks answer)."""
    cards = []
    for number, word in enumerate(progress.page, 1):
        pos = f" <i>{esc(texts.pos_name(tr, word.pos))}</i>" if word.pos else ""
        line = f"{number}. <b>{esc(word.lemma)}</b>{pos} — {esc(word.meaning)}"
        quote = f"<i>“{esc(_sentence(word.sentence))}”</i>" + _moment(tr, word.link, word.start)
        cards.append(f"{line}\n{quote}")
    body = "\n\n".join(cards)
    return split_html(f"{esc(texts.building_page_head(tr, progress))}\n\n{body}")[0]


def help_html(tr: Translator) -> str:
    body = f"{tr(texts.HELP)}\n{tr(habit_texts.REMIND_HELP)}"
    return f"<b>{esc(tr(texts.HELP_TITLE))}</b>\n\n{esc(body)}"


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
        f"<b>{esc(answer.card.front)}</b>{_ipa(answer.card)}{pos} — {esc(item.meaning)}",
        f"<i>“{esc(_sentence(item.sentence))}”</i>" + _moment(tr, item.link, item.start),
    ]
    if not answer.correct and answer.given:
        lines.insert(1, esc(tr("You answered: {given}", given=answer.given)))
    lines.append(esc(tr(texts.HOW_WELL)))
    return "\n".join(lines)


def translation_html(tr: Translator, done: SentenceTranslation) -> str:
    """🌐 the card's sentence, then its translation (and the simulator's label)."""
    lines = [f"🌐 <i>“{esc(_sentence(done.sentence))}”</i>", f"→ {esc(done.text)}"]
    if done.simulated:
        lines.append(f"<i>{esc(tr(texts.SIMULATED_TRANSLATION))}</i>")
    return split_html("\n".join(lines))[0]


# An HTML message's atoms: a tag, an entity, or one character (never cut inside one)
_ATOM = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[\s\S]")
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")


def _size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _closers(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of Telegram HTML under its limit, each well-formed: cut at a blank line, else
    at a line break, else anywhere between atoms; an element open at a cut is closed at the
    end of one piece and opened again at the start of the next. Never inside a tag or an
    entity, so Telegram never refuses a piece for its markup."""
    pieces: list[str] = []
    current: list[str] = []  # the atoms of the piece being filled
    size = 0
    stack: list[tuple[str, str]] = []  # (name, start tag) of the elements open now
    floor = 0  # the start tags opened again at the start of this piece
    # where to cut: (index of a "\n" atom, elements open there), after a blank line / a line
    paragraph: tuple[int, list[tuple[str, str]]] | None = None
    line: tuple[int, list[tuple[str, str]]] | None = None

    def cut(at: int, open_there: list[tuple[str, str]], skip: int) -> None:
        nonlocal current, size, paragraph, line, floor
        pieces.append("".join(current[:at]) + _closers(open_there))
        current = [tag for _, tag in open_there] + current[at + skip :]
        floor = len(open_there)
        size = sum(_size(atom) for atom in current)
        paragraph = line = None

    for atom in _ATOM.findall(text):
        after = stack
        tag = _TAG.match(atom) if atom.startswith("<") else None
        if tag is not None:
            closing, name = tag.group(1), tag.group(2).lower()
            if not closing:
                after = [*stack, (name, atom)]
            elif any(open_name == name for open_name, _ in stack):
                last = max(i for i, (open_name, _) in enumerate(stack) if open_name == name)
                after = stack[:last]
        if size + _size(atom) + _size(_closers(after)) > limit:
            if (best := paragraph or line) is not None and best[0] > floor:
                cut(best[0], best[1], 1)  # the line break itself becomes the cut
            if size + _size(atom) + _size(_closers(after)) > limit and len(current) > floor:
                cut(len(current), stack, 0)
        current.append(atom)
        size += _size(atom)
        stack = after
        if atom == "\n":
            spot = (len(current) - 1, list(stack))
            if len(current) > 1 and current[-2] == "\n":
                paragraph = spot
            line = spot
    if current or not pieces:
        pieces.append("".join(current))
    return pieces
