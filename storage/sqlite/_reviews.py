"""Reviews (each card's schedule and the log of ratings) and quiz sessions."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from core.store import ReviewLogEntry, ReviewState
from storage.rows import log_entry_of, review_state_of
from storage.sqlite._connection import Connection, now_stamp, stamp


class Reviews(Connection):
    """Review state per card, the review log, and per-user sessions (an open quiz)."""

    async def review_states(self, user_id: int) -> dict[int, ReviewState]:
        rows = await self._all("SELECT * FROM reviews WHERE user_id = ?", (user_id,))
        return {int(r["card_id"]): review_state_of(r) for r in rows}

    async def save_review(
        self, user_id: int, state: ReviewState, entry: ReviewLogEntry | None
    ) -> bool:
        """False (and nothing written) when the card is not this user's."""
        async with self._tx() as db:
            owned = await db.execute_fetchall(
                "SELECT 1 FROM cards WHERE id = ? AND user_id = ?", (state.card_id, user_id)
            )
            if not list(owned):
                return False
            await db.execute(
                "INSERT INTO reviews (card_id, user_id, state, due, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (card_id) DO UPDATE SET "
                "state = excluded.state, due = excluded.due, updated_at = excluded.updated_at",
                (state.card_id, user_id, json.dumps(state.state), stamp(state.due), now_stamp()),
            )
            if entry is not None:
                await db.execute(
                    "INSERT INTO review_log (user_id, card_id, rating, question, correct, "
                    "reviewed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        entry.card_id,
                        entry.rating,
                        entry.question,
                        None if entry.correct is None else int(entry.correct),
                        stamp(entry.reviewed_at),
                    ),
                )
        return True

    async def review_log(self, user_id: int, since: datetime | None = None) -> list[ReviewLogEntry]:
        rows = await self._all(
            "SELECT * FROM review_log WHERE user_id = ? AND reviewed_at >= ? ORDER BY id",
            (user_id, stamp(since) if since else ""),
        )
        return [log_entry_of(r) for r in rows]

    # -- sessions --------------------------------------------------------------------

    async def get_session(self, user_id: int, name: str) -> dict[str, Any] | None:
        row = await self._one(
            "SELECT data FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
        )
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["data"])
        return data

    async def put_session(self, user_id: int, name: str, data: dict[str, Any] | None) -> None:
        async with self._tx() as db:
            if data is None:
                await db.execute(
                    "DELETE FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
                )
            else:
                await db.execute(
                    "INSERT INTO sessions (user_id, name, data, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                    "data = excluded.data, updated_at = excluded.updated_at",
                    (user_id, name, json.dumps(data), now_stamp()),
                )

    async def claim_day(self, user_id: int, name: str, day: date) -> bool:
        data = json.dumps({"day": day.isoformat()})
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT INTO sessions (user_id, name, data, updated_at) "
                "SELECT id, ?, ?, ? FROM users WHERE id = ? "
                "ON CONFLICT (user_id, name) DO UPDATE SET "
                "data = excluded.data, updated_at = excluded.updated_at "
                "WHERE sessions.data < excluded.data",
                (name, data, now_stamp(), user_id),
            )
            return cursor.rowcount == 1

    async def sessions_named(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        rows = await self._all("SELECT user_id, data FROM sessions WHERE name = ?", (name,))
        return [(int(r["user_id"]), json.loads(r["data"])) for r in rows]
