"""One submission per user at a time across processes, with what they have running."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class UserLoad:
    """A user's jobs as every process sees them: queued or running, and seconds since
    their last one was written (None: never)."""

    active: int
    since_last: float | None


class Turns(Protocol):
    def user_turn(self, user_id: int) -> AbstractAsyncContextManager[UserLoad]:
        """Hold this user's turn (other processes wait for it) and read their load."""
        ...
