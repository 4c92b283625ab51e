"""Cards for a terminal (rich): the console chat's pages and the CLI's whole decks."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot import texts
from core import Card, DeckInfo, DeckPage, PageCard, Translator, Word, card_ipa

WIDE = 100  # columns from which a page is a table


def _head(text: str, known: bool, card: Card | None = None) -> Text:
    """The word or phrase (struck through when known), then its IPA when there is one."""
    head = Text(f"{text} ✓", style="strike dim") if known else Text(text)
    if card is not None and (sound := card_ipa(card)):
        head.append(f" {sound}", style="not bold dim")
    return head


def _link(tr: Translator, card: Card) -> Text:
    item = card.item
    label = texts.clock(item.start) or (tr("video") if item.link else "")  # a file: time only
    return Text(label, style=f"link {item.link}" if item.link else "")


def cards_table(tr: Translator, cards: Sequence[PageCard], title: str) -> Table:
    words = any(c.card.kind == "word" for c in cards)
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("#", style="dim", no_wrap=True)
    table.add_column(tr("word") if words else tr("phrase"), style="bold")
    if words:
        table.add_column(tr("pos"), style="dim")
    table.add_column(tr("meaning"), style="green")
    table.add_column(tr("sentence from the video"), ratio=3)
    table.add_column(tr("at"), style="cyan", no_wrap=True)
    for shown in cards:
        item = shown.card.item
        head = _head(shown.card.front, shown.known, shown.card)
        row: list[RenderableType] = [str(shown.number), head]
        if words:
            row.append(texts.pos_name(tr, item.pos) if isinstance(item, Word) else "")
        row += [item.meaning, Text(item.sentence), _link(tr, shown.card)]
        table.add_row(*row)
    return table


def cards_list(tr: Translator, cards: Sequence[PageCard], title: str) -> Group:
    """Under WIDE columns a table's sentence column is a few words wide and a page runs to
    ~45 lines: each card is a head line with its sentence below, full width."""
    lines: list[RenderableType] = [Text(title, style="bold")]
    for shown in cards:
        item = shown.card.item
        head = Text(f"{shown.number:>2}. ")
        head.append_text(_head(shown.card.front, shown.known, shown.card))
        if isinstance(item, Word):
            head.append(f" {texts.pos_name(tr, item.pos)}", style="dim")
        head.append(" — ")
        head.append(item.meaning, style="green")
        link = _link(tr, shown.card)
        if link.plain:
            head.append("  ")
            head.append_text(link)
        lines += [head, Padding(Text(item.sentence, style="italic"), (0, 0, 0, 4))]
    return Group(*lines)


def cards_view(tr: Translator, cards: Sequence[PageCard], title: str, width: int) -> RenderableType:
    if width >= WIDE:
        return cards_table(tr, cards, title)
    return cards_list(tr, cards, title)


def page_title(tr: Translator, page: DeckPage) -> str:
    name = page.deck.title or page.deck.video_id or tr("deck")
    label = tr(texts.WORDS if page.kind == "word" else texts.PHRASES)
    shown = texts.page_range(tr, label, page.first, page.last, page.total)
    return f"{name} · {shown} · " + tr("page {page}/{pages}", page=page.page + 1, pages=page.pages)


def page_view(tr: Translator, page: DeckPage, width: int) -> RenderableType:
    """One page of a deck, with the deck's notices (simulated meanings, missing parts)."""
    parts: list[RenderableType] = []
    if page.deck.simulated:
        parts.append(Text(tr(texts.SIMULATED), style="yellow"))
    parts.append(cards_view(tr, page.cards, page_title(tr, page), width))
    if page.offers_more:
        line = texts.shown_line(tr, page.kind, page.shown_count, page.total)
        parts.append(Text(f"{line} · /more", style="bold"))
    if page.deck.missing:
        parts.append(Text(texts.partial_notice(tr, page.deck.missing), style="yellow"))
    return Group(*parts)


def summary(tr: Translator, info: DeckInfo) -> str:
    name = info.title or info.video_id or tr("transcript")
    line = f"{name}: " + tr(
        "{words} words, {phrases} phrases", words=info.words, phrases=info.phrases
    )
    if info.missing:
        spans = ", ".join(f"{texts.clock(g.start)}-{texts.clock(g.end)}" for g in info.missing)
        line += " " + tr("(partial: missing {spans})", spans=spans)
    return line


def deck_view(
    tr: Translator, info: DeckInfo, cards: Sequence[Card], known: frozenset[str], width: int
) -> Group:
    """A whole deck (the CLI's `build`): its words, then its phrases."""
    parts: list[RenderableType] = [Text(summary(tr, info), style="bold")]
    if info.simulated:
        parts.append(Text(tr(texts.SIMULATED), style="yellow"))
    for kind, title in (("word", texts.WORDS), ("phrase", texts.PHRASES)):
        of_kind = [c for c in cards if c.kind == kind]
        numbered = [PageCard(i, c, c.key in known) for i, c in enumerate(of_kind, 1)]
        if numbered:
            parts.append(cards_view(tr, numbered, tr(title), width))
    return Group(*parts)
