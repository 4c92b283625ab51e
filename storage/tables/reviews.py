"""Reviews (each card's schedule and the log of ratings) and quiz sessions."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from core.store import ReviewLogEntry, ReviewState
from storage.dialect import Connection
from storage.rows import parsed, read

_PUT_SESSION = (
    "INSERT INTO sessions (user_id, name, data, updated_at) {source} "
    "ON CONFLICT (user_id, name) DO UPDATE SET "
    "data = excluded.data, updated_at = excluded.updated_at"
)


class Reviews(Connection):
    """Review state per card, the review log, and per-user sessions (an open quiz)."""

    async def review_states(self, user_id: int) -> dict[int, ReviewState]:
        rows = await self._all("SELECT * FROM reviews WHERE user_id = ?", (user_id,))
        return {int(r["card_id"]): read(ReviewState, r) for r in rows}

    async def save_review(
        self, user_id: int, state: ReviewState, entry: ReviewLogEntry | None
    ) -> bool:
        """False (and nothing written) when the card is not this user's."""
        d = self.dialect
        async with self._tx() as tx:
            owned = await tx.all(
                f"SELECT 1 AS owned FROM cards WHERE id = ? AND user_id = ?{d.for_share}",
                (state.card_id, user_id),
            )
            if not owned:
                return False
            await tx.run(
                "INSERT INTO reviews (card_id, user_id, state, due, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (card_id) DO UPDATE SET "
                "state = excluded.state, due = excluded.due, updated_at = excluded.updated_at",
                (state.card_id, user_id, json.dumps(state.state), d.time(state.due), d.now()),
            )
            if entry is not None:
                await tx.run(
                    "INSERT INTO review_log (user_id, card_id, rating, question, correct, "
                    "reviewed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        entry.card_id,
                        entry.rating,
                        entry.question,
                        entry.correct,
                        d.time(entry.reviewed_at),
                    ),
                )
        return True

    async def review_log(self, user_id: int, since: datetime | None = None) -> list[ReviewLogEntry]:
        rows = await self._all(
            "SELECT * FROM review_log WHERE user_id = ? "
            "AND reviewed_at >= COALESCE(?, reviewed_at) ORDER BY id",  # no `since`: all
            (user_id, None if since is None else self.dialect.time(since)),
        )
        return [read(ReviewLogEntry, r) for r in rows]

    # -- sessions --------------------------------------------------------------------

    async def get_session(self, user_id: int, name: str) -> dict[str, Any] | None:
        row = await self._one(
            "SELECT data FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
        )
        if row is None:
            return None
        data: dict[str, Any] = parsed(row["data"])
        return data

    async def put_session(self, user_id: int, name: str, data: dict[str, Any] | None) -> None:
        if data is None:
            await self._write(
                "DELETE FROM sessions WHERE user_id = ? AND name = ?", (user_id, name)
            )
            return
        await self._write(
            _PUT_SESSION.format(source="VALUES (?, ?, ?, ?)"),
            (user_id, name, json.dumps(data), self.dialect.now()),
        )

    async def claim_day(self, user_id: int, name: str, day: date) -> bool:
        # JSON keeps its text as written: {"day": "YYYY-MM-DD"} compares as text by date.
        claimed = await self._write(
            _PUT_SESSION.format(source="SELECT id, ?, ?, ? FROM users WHERE id = ?")
            + " WHERE CAST(sessions.data AS TEXT) < CAST(excluded.data AS TEXT)",
            (name, json.dumps({"day": day.isoformat()}), self.dialect.now(), user_id),
        )
        return claimed == 1

    async def sessions_named(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        rows = await self._all("SELECT user_id, data FROM sessions WHERE name = ?", (name,))
        return [(int(r["user_id"]), parsed(r["data"])) for r in rows]
