"""A deck's two parts, by the contract in core.models: its first DECK_SIZE cards (the
shown part, per `shown_counts`) and the rest (the "more" part, one press away).

Cards are stored in rank order (`Card.position`, best first, within its kind), so a
card's part follows from its position and its deck's card counts alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.models import shown_counts
from core.store import Card, CardKind


def shown_limits(cards: Iterable[Card], deck_size: int) -> dict[tuple[int, CardKind], int]:
    """(deck id, kind) -> how many of that deck's cards of that kind are in its shown part."""
    sizes = Counter((c.deck_id, c.kind) for c in cards)
    limits: dict[tuple[int, CardKind], int] = {}
    for deck_id in {deck for deck, _ in sizes}:
        words, phrases = shown_counts(sizes[deck_id, "word"], sizes[deck_id, "phrase"], deck_size)
        limits[deck_id, "word"], limits[deck_id, "phrase"] = words, phrases
    return limits


def shown_part(cards: list[Card], deck_size: int) -> list[Card]:
    """The cards of the decks' shown parts (all of each deck's cards must be given)."""
    limits = shown_limits(cards, deck_size)
    return [c for c in cards if c.position < limits[c.deck_id, c.kind]]


def new_card_order(cards: list[Card], deck_size: int) -> list[Card]:
    """Cards in the order /quiz introduces them: every deck's shown part before any deck's
    "more" part; within each, the most recent deck first; within a deck, by rank, words and
    phrases taking turns (word 1, phrase 1, word 2, ...). All of each deck's cards must be
    given."""
    limits = shown_limits(cards, deck_size)

    def key(card: Card) -> tuple[bool, int, int, bool]:
        more = card.position >= limits[card.deck_id, card.kind]
        return (more, -card.deck_id, card.position, card.kind == "phrase")

    return sorted(cards, key=key)
