"""What crosses processes: job events as JSON, and the bus that carries them.

A worker publishes every update of the jobs it builds; fronts publish cancellations and
listen for the updates of the jobs they follow. An event names its job and user, so a
process acts only on the jobs it has (anything else is not for it).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, Protocol

from core import errors
from core.jobs import JobUpdate
from core.models import DeckStats, Progress, Stage, Word

EventKind = Literal["update", "joined", "cancel", "moved"]
# PostgreSQL's NOTIFY takes payloads under 8,000 bytes: a page whose event would not fit
# travels with its sentences cut short (the deck itself is in the store).
MAX_PAYLOAD = 7000
SHORT_SENTENCE = 80


class Bus(Protocol):
    """Events between processes (PostgreSQL LISTEN/NOTIFY in storage.postgres)."""

    async def publish(self, payload: str) -> None: ...

    def listening(
        self, on_event: Callable[[str], Awaitable[None]]
    ) -> AbstractAsyncContextManager[None]:
        """Call `on_event` with every payload published (by any process) while inside."""
        ...


@dataclass(frozen=True, slots=True)
class Event:
    """One job's news: its update (deck and error by reference), that it was written (a
    worker building its key takes it at once), that it was cancelled; or that the line of
    waiting builds moved (positions changed)."""

    kind: EventKind
    job_id: str = ""
    user_id: int = 0
    video_id: str = ""
    progress: Progress = field(default_factory=lambda: Progress(Stage.QUEUED))
    deck_id: int | None = None
    error: dict[str, Any] | None = None  # code, detail, params
    cached: bool = False
    stats: DeckStats | None = None

    def dumps(self) -> str:
        data = asdict(self)
        data["progress"]["stage"] = self.progress.stage.value
        payload = json.dumps(data, separators=(",", ":"), default=str)
        if len(payload.encode()) > MAX_PAYLOAD and self.progress.page:
            page = tuple(
                replace(w, sentence=w.sentence[: SHORT_SENTENCE - 1] + "…")
                if len(w.sentence) > SHORT_SENTENCE
                else w
                for w in self.progress.page
            )
            if page != self.progress.page:
                return replace(self, progress=replace(self.progress, page=page)).dumps()
        return payload

    @classmethod
    def loads(cls, payload: str) -> Event:
        data = json.loads(payload)
        progress = data.pop("progress")
        stats = data.pop("stats")
        return cls(
            **data,
            progress=Progress(
                **{
                    **progress,
                    "stage": Stage(progress["stage"]),
                    "page": tuple(Word(**w) for w in progress.get("page", ())),
                }
            ),
            stats=DeckStats(**stats) if stats else None,
        )

    @classmethod
    def of(cls, update: JobUpdate) -> Event:
        """A runner's update as it travels (the deck by id: the store has it)."""
        error = None
        if update.error is not None:
            exc = update.error
            params = {k: v for k, v in exc.params.items() if _plain(v)}
            error = {"code": exc.code, "detail": exc.detail, "params": params}
        return cls(
            "update",
            update.job_id,
            update.user_id,
            update.video_id,
            update.progress,
            update.deck.id if update.deck else None,
            error,
            update.cached,
            update.stats,
        )


def rebuilt_error(error: dict[str, Any]) -> errors.VocabotError:
    """The error a worker met, as its own class (so each face words it in its language)."""
    kind = errors.by_code(str(error.get("code", ""))) or errors.InternalError
    exc = Exception.__new__(kind)
    errors.VocabotError.__init__(exc, str(error.get("detail", "")), **error.get("params", {}))
    return exc


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
