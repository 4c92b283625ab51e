"""Deck rendering for a terminal (rich)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from bot import texts
from core.models import Deck, Phrase, Word


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
