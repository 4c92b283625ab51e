"""Decks and their cards, each user's own."""

from __future__ import annotations

from typing import Any

import aiosqlite
from pydantic import TypeAdapter

from core.models import Deck, Gap, Phrase, Word
from core.store import Card, CardKind, DeckInfo
from storage.sqlite._connection import Connection, now_stamp, parse_stamp

_WORD = TypeAdapter(Word)
_PHRASE = TypeAdapter(Phrase)
_GAPS = TypeAdapter(tuple[Gap, ...])


def video_key(deck: Deck) -> str:
    """One deck per user and video; a file without a video id is keyed by its title."""
    return deck.video_id or f"file:{deck.title or 'untitled'}"


class Decks(Connection):
    """Each user's decks and their cards."""

    async def save_deck(self, user_id: int, deck: Deck) -> DeckInfo:
        """Idempotent per user and video: saving again updates cards, keeps their ids."""
        now = now_stamp()
        gaps = _GAPS.dump_json(deck.missing).decode()
        async with self._tx() as db:
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
                    gaps,
                    int(deck.simulated),
                    now,
                    now,
                ),
            )
            deck_id = int(next(iter(returned))[0])
            rows: list[tuple[Any, ...]] = []
            for position, word in enumerate(deck.words):
                rows.append((deck_id, user_id, "word", word.key, position, _WORD.dump_json(word)))
            for position, phrase in enumerate(deck.phrases):
                rows.append(
                    (deck_id, user_id, "phrase", phrase.key, position, _PHRASE.dump_json(phrase))
                )
            await db.executemany(
                "INSERT INTO cards (deck_id, user_id, kind, key, position, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id, kind, key) DO UPDATE SET "
                "payload = excluded.payload, position = excluded.position",
                [(*r[:5], r[5].decode()) for r in rows],
            )
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
        return [_deck_info(r) for r in rows]

    async def get_deck(self, user_id: int, deck_id: int) -> DeckInfo | None:
        row = await self._one(
            f"{self._DECK_SELECT} WHERE d.id = ? AND d.user_id = ?", (deck_id, user_id)
        )
        return _deck_info(row) if row else None

    async def deck_cards(
        self, user_id: int, deck_id: int, kind: CardKind | None = None
    ) -> list[Card]:
        sql = f"{self._CARD_SELECT} WHERE c.deck_id = ? AND c.user_id = ?"
        params: list[Any] = [deck_id, user_id]
        if kind:
            sql += " AND c.kind = ?"
            params.append(kind)
        rows = await self._all(sql + " ORDER BY c.kind DESC, c.position", params)
        return [_card(r) for r in rows]

    async def user_cards(self, user_id: int) -> list[Card]:
        rows = await self._all(
            f"{self._CARD_SELECT} WHERE c.user_id = ? ORDER BY c.deck_id, c.kind DESC, c.position",
            (user_id,),
        )
        return [_card(r) for r in rows]

    async def get_card(self, user_id: int, card_id: int) -> Card | None:
        row = await self._one(
            f"{self._CARD_SELECT} WHERE c.id = ? AND c.user_id = ?", (card_id, user_id)
        )
        return _card(row) if row else None


def _deck_info(row: aiosqlite.Row) -> DeckInfo:
    return DeckInfo(
        id=int(row["id"]),
        user_id=int(row["user_id"]),
        video_id=row["video_id"],
        title=row["title"],
        learner_language=str(row["learner_language"]),
        level=str(row["level"]),
        words=int(row["n_words"]),
        phrases=int(row["n_phrases"]),
        missing=_GAPS.validate_json(row["missing"]),
        created_at=parse_stamp(row["created_at"]),
        simulated=bool(row["simulated"]),
    )


def _card(row: aiosqlite.Row) -> Card:
    kind = row["kind"]
    item: Word | Phrase = (
        _WORD.validate_json(row["payload"])
        if kind == "word"
        else _PHRASE.validate_json(row["payload"])
    )
    return Card(
        id=int(row["id"]),
        deck_id=int(row["deck_id"]),
        kind=kind,
        item=item,
        simulated=bool(row["simulated"]),
    )
