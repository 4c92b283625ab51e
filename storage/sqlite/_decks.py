"""Decks and their cards, each user's own."""

from __future__ import annotations

from typing import Any

from core.models import Deck
from core.store import Card, CardKind, DeckInfo
from storage.rows import (
    card_of,
    card_rows,
    deck_info_of,
    gaps_json,
    rebuilt,
    stale_cards,
    video_key,
)
from storage.sqlite._connection import Connection, now_stamp


class Decks(Connection):
    """Each user's decks and their cards."""

    async def save_deck(self, user_id: int, deck: Deck) -> DeckInfo:
        """Idempotent per user and video: saving again updates cards, keeps their ids. A
        deck saved at another level or meaning language is rebuilt: the cards the new build
        no longer has leave (with their reviews), so the old level's cards never stay under
        the new level's label."""
        now = now_stamp()
        async with self._tx() as db:
            before = await db.execute_fetchall(
                "SELECT id, level, learner_language FROM decks WHERE user_id = ? AND video_key = ?",
                (user_id, video_key(deck)),
            )
            returned = await db.execute_fetchall(
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
                    int(deck.simulated),
                    now,
                    now,
                ),
            )
            deck_id = int(next(iter(returned))[0])
            await db.executemany(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, position = excluded.position",
                card_rows(deck_id, user_id, deck),
            )
            if rebuilt(deck, [tuple(r) for r in before]):
                cards = await db.execute_fetchall(
                    "SELECT id, kind, key FROM cards WHERE deck_id = ?", (deck_id,)
                )
                stale = stale_cards(deck, [tuple(r) for r in cards])
                await db.executemany("DELETE FROM cards WHERE id = ?", [(i,) for i in stale])
        info = await self.get_deck(user_id, deck_id)
        assert info is not None
        return info

    _DECK_SELECT = (
        "SELECT d.*, "
        "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'word') AS n_words, "
        "(SELECT COUNT(*) FROM cards c WHERE c.deck_id = d.id AND c.kind = 'phrase') AS n_phrases "
        "FROM decks d"
    )

    _CARD_SELECT = "SELECT c.*, d.simulated FROM cards c JOIN decks d ON d.id = c.deck_id"

    async def list_decks(self, user_id: int) -> list[DeckInfo]:
        rows = await self._all(
            f"{self._DECK_SELECT} WHERE d.user_id = ? ORDER BY d.updated_at DESC, d.id DESC",
            (user_id,),
        )
        return [deck_info_of(r) for r in rows]

    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None:
        row = await self._one(
            f"{self._DECK_SELECT} WHERE d.id = ? AND d.user_id = ?", (deck_id, user_id)
        )
        return deck_info_of(row) if row else None

    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]:
        sql = f"{self._CARD_SELECT} WHERE c.deck_id = ? AND c.user_id = ?"
        params: list[Any] = [deck_id, user_id]
        if kind:
            sql += " AND c.kind = ?"
            params.append(kind)
        rows = await self._all(sql + " ORDER BY c.kind DESC, c.position", params)
        return [card_of(r) for r in rows]

    async def user_cards(self, user_id: int) -> list[Card]:
        rows = await self._all(
            f"{self._CARD_SELECT} WHERE c.user_id = ? ORDER BY c.deck_id, c.kind DESC, c.position",
            (user_id,),
        )
        return [card_of(r) for r in rows]

    async def get_card(self, user_id: int, card_id: int) -> Card | None:
        row = await self._one(
            f"{self._CARD_SELECT} WHERE c.id = ? AND c.user_id = ?", (card_id, user_id)
        )
        return card_of(row) if row else None
