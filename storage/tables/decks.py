"""Decks and their cards, each user's own."""

from __future__ import annotations

from typing import Any

from core.models import Deck
from core.store import Card, CardKind, DeckInfo
from storage.dialect import Connection
from storage.rows import (
    card_of,
    card_rows,
    deck_info_of,
    gaps_json,
    rebuilt,
    stale_cards,
    video_key,
)

_DECK_SELECT = (
    "SELECT d.*, "
    "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'word') AS n_words, "
    "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'phrase') AS n_phrases "
    "FROM decks d"
)
_CARD_SELECT = "SELECT c.*, d.simulated FROM cards c JOIN decks d ON d.id = c.deck_id"


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
                "SELECT id, level, learner_language FROM decks WHERE user_id = ? "
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
                    gaps_json(deck),
                    deck.simulated,
                    now,
                    now,
                ),
            )
            deck_id = int(returned[0]["id"])
            # One statement per card: a key twice in one deck updates its card, where one
            # multi-row upsert would fail on PostgreSQL.
            await tx.many(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, position = excluded.position",
                card_rows(deck_id, user_id, deck),
            )
            if rebuilt(deck, [(r["id"], r["level"], r["learner_language"]) for r in before]):
                rows = await tx.all("SELECT id, kind, key FROM cards WHERE deck_id = ?", (deck_id,))
                stale = stale_cards(deck, [(r["id"], r["kind"], r["key"]) for r in rows])
                await tx.many("DELETE FROM cards WHERE id = ?", [(i,) for i in stale])
        info = await self.get_deck(user_id, deck_id)
        assert info is not None
        return info

    async def list_decks(self, user_id: int) -> list[DeckInfo]:
        rows = await self._all(
            f"{_DECK_SELECT} WHERE d.user_id = ? ORDER BY d.updated_at DESC, d.id DESC",
            (user_id,),
        )
        return [deck_info_of(r) for r in rows]

    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None:
        row = await self._one(
            f"{_DECK_SELECT} WHERE d.id = ? AND d.user_id = ?", (deck_id, user_id)
        )
        return deck_info_of(row) if row else None

    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]:
        sql = f"{_CARD_SELECT} WHERE c.deck_id = ? AND c.user_id = ?"
        params: list[Any] = [deck_id, user_id]
        if kind:
            sql += " AND c.kind = ?"
            params.append(kind)
        rows = await self._all(sql + " ORDER BY c.kind DESC, c.position", params)
        return [card_of(r) for r in rows]

    async def user_cards(self, user_id: int) -> list[Card]:
        rows = await self._all(
            f"{_CARD_SELECT} WHERE c.user_id = ? ORDER BY c.deck_id, c.kind DESC, c.position",
            (user_id,),
        )
        return [card_of(r) for r in rows]

    async def get_card(self, user_id: int, card_id: int) -> Card | None:
        row = await self._one(
            f"{_CARD_SELECT} WHERE c.id = ? AND c.user_id = ?", (card_id, user_id)
        )
        return card_of(row) if row else None
