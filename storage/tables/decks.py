"""Decks and their cards, each user's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.models import Deck, Phrase, Word
from core.store import Card, CardKind, DeckInfo
from storage.dialect import Connection
from storage.rows import json_text, read

_DECK_SELECT = (
    "SELECT d.*, "
    "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'word') AS n_words, "
    "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'phrase') AS n_phrases "
    "FROM decks d WHERE d.user_id = ?{where} ORDER BY d.updated_at DESC, d.id DESC"
)
_COUNTS = {"words": "n_words", "phrases": "n_phrases"}  # DeckInfo's fields, in _DECK_SELECT
_CARD_SELECT = (  # a card's item is its payload: a word's or a phrase's fields
    "SELECT c.*, d.simulated FROM cards c JOIN decks d ON d.id = c.deck_id "
    "WHERE c.user_id = ?{where} ORDER BY c.deck_id, c.kind DESC, c.position"
)


def video_key(deck: Deck) -> str:
    """One deck per user and video; a file without a video id is keyed by its title."""
    return deck.video_id or f"file:{deck.title or 'untitled'}"


class Decks(Connection):
    """Each user's decks and their cards."""

    async def save_deck(self, user_id: int, deck: Deck) -> DeckInfo:
        """Idempotent per user and video: saving again updates cards, keeps their ids. A
        deck saved at another level or meaning language is rebuilt: the cards the new build
        no longer has leave (with their reviews), so the old level's cards never stay under
        the new level's label."""
        now = self.dialect.now()
        async with self._tx() as tx:
            before = await tx.all(
                "SELECT level, learner_language FROM decks WHERE user_id = ? "
                f"AND video_key = ?{self.dialect.for_update}",
                (user_id, video_key(deck)),
            )
            returned = await tx.all(
                "INSERT INTO decks (user_id, video_key, video_id, title, learner_language, "
                "level, missing, simulated, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, video_key) DO UPDATE SET title = excluded.title, "
                "learner_language = excluded.learner_language, level = excluded.level, "
                "missing = excluded.missing, simulated = excluded.simulated, "
                "updated_at = excluded.updated_at RETURNING id",
                (
                    user_id,
                    video_key(deck),
                    deck.video_id,
                    deck.title,
                    deck.learner_language,
                    deck.level,
                    json_text(deck.missing),
                    deck.simulated,
                    now,
                    now,
                ),
            )
            deck_id = int(returned[0]["id"])
            items: list[tuple[str, Sequence[Word | Phrase]]] = [
                ("word", deck.words),
                ("phrase", deck.phrases),
            ]
            cards = [
                (deck_id, user_id, kind, item.key, position, json_text(item))
                for kind, of_kind in items
                for position, item in enumerate(of_kind)
            ]
            # One statement per card: a key twice in one deck updates its card, where one
            # multi-row upsert would fail on PostgreSQL.
            await tx.many(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, position = excluded.position",
                cards,
            )
            # A new level or meaning language makes a new set of cards, not an addition to
            # the old: the cards this build does not have go.
            if any(
                (r["level"], r["learner_language"]) != (deck.level, deck.learner_language)
                for r in before
            ):
                rows = await tx.all("SELECT id, kind, key FROM cards WHERE deck_id = ?", (deck_id,))
                keep = {(kind, key) for _, _, kind, key, _, _ in cards}
                stale = [(r["id"],) for r in rows if (r["kind"], r["key"]) not in keep]
                await tx.many("DELETE FROM cards WHERE id = ?", stale)
        info = await self.get_deck(user_id, deck_id)
        assert info is not None
        return info

    async def list_decks(self, user_id: int) -> list[DeckInfo]:
        rows = await self._all(_DECK_SELECT.format(where=""), (user_id,))
        return [read(DeckInfo, r, _COUNTS) for r in rows]

    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None:
        row = await self._one(_DECK_SELECT.format(where=" AND d.id = ?"), (user_id, deck_id))
        return read(DeckInfo, row, _COUNTS) if row else None

    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]:
        where = " AND c.deck_id = ? AND c.kind = COALESCE(?, c.kind)"  # no kind: both
        return await self._cards(where, user_id, deck_id, kind)

    async def user_cards(self, user_id: int) -> list[Card]:
        return await self._cards("", user_id)

    async def get_card(self, user_id: int, card_id: int) -> Card | None:
        cards = await self._cards(" AND c.id = ?", user_id, card_id)
        return cards[0] if cards else None

    async def _cards(self, where: str, *params: Any) -> list[Card]:
        """The user's cards (the first of `params`) that `where` picks, deck by deck, words
        first, each kind by position."""
        rows = await self._all(_CARD_SELECT.format(where=where), params)
        return [read(Card, r, {"item": "payload"}) for r in rows]
