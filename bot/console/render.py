"""Deck rendering for a terminal (rich)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot import texts
from core.models import Deck, Phrase, Word

WIDE = 100  # columns from which a page is a table


def _when(start: float | None) -> str:
    if start is None:
        return ""
    minutes, seconds = divmod(int(start), 60)
    return f"{minutes}:{seconds:02d}"


def words_table(
    words: tuple[Word, ...] | list[Word],
    title: str = "Words",
    *,
    first: int = 1,
    known: frozenset[str] = frozenset(),
) -> Table:
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", style="dim", no_wrap=True)
    table.add_column("word", style="bold")
    table.add_column("pos", style="dim")
    table.add_column("meaning", style="green")
    table.add_column("sentence from the video", ratio=3)
    table.add_column("at", style="cyan", no_wrap=True)
    for number, word in enumerate(words, first):
        table.add_row(
            str(number),
            _head(word.lemma, word.lemma in known),
            word.pos,
            word.meaning,
            Text(word.sentence),
            _link(word.link, word.start),
        )
    return table


def phrases_table(
    phrases: tuple[Phrase, ...] | list[Phrase],
    title: str = "Phrases",
    *,
    first: int = 1,
    known: frozenset[str] = frozenset(),
) -> Table:
    table = Table(title=title, expand=True)
    table.add_column("#", style="dim", no_wrap=True)
    table.add_column("phrase", style="bold")
    table.add_column("meaning", style="green")
    table.add_column("sentence from the video", ratio=3)
    table.add_column("at", style="cyan", no_wrap=True)
    for number, phrase in enumerate(phrases, first):
        table.add_row(
            str(number),
            _head(phrase.text, phrase.key in known),
            phrase.meaning,
            Text(phrase.sentence),
            _link(phrase.link, phrase.start),
        )
    return table


def page_view(
    items: Sequence[Word | Phrase],
    *,
    title: str,
    first: int,
    known: frozenset[str],
    width: int,
) -> RenderableType:
    """A page of cards: a table on a wide terminal; under WIDE columns (where a table's
    sentence column is a few words wide and a page runs to ~45 lines) each card is a
    head line and its sentence below, full width."""
    words = [i for i in items if isinstance(i, Word)]
    phrases = [i for i in items if isinstance(i, Phrase)]
    if width >= WIDE:
        if words:
            return words_table(words, title=title, first=first, known=known)
        return phrases_table(phrases, title=title, first=first, known=known)
    lines: list[RenderableType] = [Text(title, style="bold")]
    for number, item in enumerate(items, first):
        front = item.lemma if isinstance(item, Word) else item.text
        head = Text(f"{number:>2}. ")
        head.append_text(_head(front, item.key in known))
        if isinstance(item, Word):
            head.append(f" {item.pos}", style="dim")
        head.append(" — ")
        head.append(item.meaning, style="green")
        link = _link(item.link, item.start)
        if link.plain:
            head.append("  ")
            head.append_text(link)
        lines += [head, Padding(Text(item.sentence, style="italic"), (0, 0, 0, 4))]
    return Group(*lines)


def _head(text: str, known: bool) -> Text:
    return Text(f"{text} ✓", style="strike dim") if known else Text(text)


def _link(url: str | None, start: float | None) -> Text:
    label = _when(start) or ("video" if url else "")
    return Text(label, style=f"link {url}" if url else "")


def summary(deck: Deck) -> str:
    parts = [f"{len(deck.words)} words", f"{len(deck.phrases)} phrases"]
    line = f"{deck.title or deck.video_id or 'transcript'}: " + ", ".join(parts)
    if deck.missing:
        spans = ", ".join(f"{_when(g.start)}-{_when(g.end)}" for g in deck.missing)
        line += f" (partial: missing {spans})"
    return line


def deck_view(deck: Deck) -> Group:
    parts = [Text(summary(deck), style="bold")]
    if deck.simulated:
        parts.append(Text(texts.SIMULATED, style="yellow"))
    return Group(*parts, words_table(deck.words), phrases_table(deck.phrases))
