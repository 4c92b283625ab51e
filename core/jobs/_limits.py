"""UserLimits: how many jobs a user may have running, and the cool-down between their
submissions. One rule for both runners: the in-process JobRunner counts a user's jobs
itself (and reserves a place in the same step as the check), the queue's front reads them
from the database under the user's turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from core import errors

RETRY_IN_DEFAULT = 30.0  # seconds, when nothing tells how soon a running job will be done


def _retry_default() -> float:
    return RETRY_IN_DEFAULT


class UserLimits:
    """Running jobs per user and a cool-down between submissions."""

    def __init__(
        self,
        *,
        max_running_jobs: int = 2,
        cooldown_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_running_jobs = max_running_jobs
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        self._reserved: dict[int, int] = {}  # places taken by submissions in progress
        self._last_submit: dict[int, float] = {}  # clock() of a user's last submission

    def check(
        self,
        active: int,
        since_last: float | None,
        retry_in: Callable[[], float] = _retry_default,
    ) -> None:
        """Refuse a job to a user with `active` jobs queued or running whose last one was
        submitted `since_last` seconds ago (None: never); `retry_in` says how soon one of
        theirs is likely done (asked only when refusing)."""
        if active >= self.max_running_jobs:
            raise errors.TooManyJobs(f"{active} running", retry_in=retry_in())
        if since_last is not None:
            wait = self.cooldown_seconds - since_last
            if wait > 0:
                raise errors.SlowDown(wait)

    def reserve(
        self,
        user_id: int,
        running: int,
        *,
        check: bool = True,
        retry_in: Callable[[], float] = _retry_default,
    ) -> Reservation:
        """In-process: check the user's limits (their `running` jobs and the places being
        taken) and take a place, in one step (nothing awaited)."""
        if check:
            last = self._last_submit.get(user_id)
            since_last = None if last is None else self.clock() - last
            self.check(running + self._reserved.get(user_id, 0), since_last, retry_in)
        return Reservation(self, user_id)

    def _take(self, user_id: int, stamp: float) -> float | None:
        previous = self._last_submit.get(user_id)
        self._last_submit[user_id] = stamp
        self._reserved[user_id] = self._reserved.get(user_id, 0) + 1
        return previous

    def _give_back(self, user_id: int, stamp: float, previous: float | None, failed: bool) -> None:
        self._reserved[user_id] -= 1
        if not self._reserved[user_id]:
            del self._reserved[user_id]
        if failed and self._last_submit.get(user_id) == stamp:
            # nothing was started: the cool-down starts from the last real submission
            if previous is None:
                del self._last_submit[user_id]
            else:
                self._last_submit[user_id] = previous


class Reservation:
    """A place among a user's running jobs, taken in the same step as the limit check
    (no await in between), given back when the job is tracked or the submission fails."""

    def __init__(self, limits: UserLimits, user_id: int) -> None:
        self._limits = limits
        self._user_id = user_id
        self._stamp = limits.clock()
        self._previous = limits._take(user_id, self._stamp)
        self._open = True

    def release(self, *, failed: bool = False) -> None:
        if not self._open:
            return
        self._open = False
        self._limits._give_back(self._user_id, self._stamp, self._previous, failed)
