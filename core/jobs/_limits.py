"""Per-user limits: running jobs and a cool-down, checked and reserved in one step."""

from __future__ import annotations

from core import errors
from core.jobs._tracking import Tracking
from core.models import Stage
from core.store import User

RETRY_IN_DEFAULT = 30.0  # seconds, when nothing tells how soon a running job will be done


class Reservation:
    """A place among a user's running jobs, taken in the same step as the limit check
    (no await in between), given back when the job is tracked or the submission fails."""

    def __init__(self, runner: Limits, user_id: int) -> None:
        self._runner = runner
        self._user_id = user_id
        self._previous = runner._last_submit.get(user_id)
        self._stamp = runner._clock()
        runner._last_submit[user_id] = self._stamp
        runner._reserved[user_id] = runner._reserved.get(user_id, 0) + 1
        self._open = True

    def release(self, *, failed: bool = False) -> None:
        if not self._open:
            return
        self._open = False
        reserved = self._runner._reserved
        reserved[self._user_id] -= 1
        if not reserved[self._user_id]:
            del reserved[self._user_id]
        stamps = self._runner._last_submit
        if failed and stamps.get(self._user_id) == self._stamp:
            # nothing was started: the cool-down starts from the last real submission
            if self._previous is None:
                del stamps[self._user_id]
            else:
                stamps[self._user_id] = self._previous


class Limits(Tracking):
    """The runner's layer that says whether a user may start another job now."""

    user_max_running_jobs: int
    user_cooldown_seconds: float
    _reserved: dict[int, int]
    _last_submit: dict[int, float]

    def _reserve(self, user: User, *, check: bool) -> Reservation:
        """Check the user's limits and take a place, in one step (nothing awaited)."""
        if check:
            active = self._active(user.id)
            if active >= self.user_max_running_jobs:
                raise errors.TooManyJobs(f"{active} running", retry_in=self._retry_in(user.id))
            last = self._last_submit.get(user.id)
            if last is not None:
                wait = self.user_cooldown_seconds - (self._clock() - last)
                if wait > 0:
                    raise errors.SlowDown(wait)
        return Reservation(self, user.id)

    def _active(self, user_id: int) -> int:
        running = sum(1 for j in self._jobs.values() if j.user.id == user_id)
        return running + self._reserved.get(user_id, 0)

    def _retry_in(self, user_id: int) -> float:
        """Seconds until one of the user's running jobs is likely done (a Retry-After)."""
        now, best = self._clock(), None
        for job in self._jobs.values():
            p = job.last
            asked, answered = p.total - p.reused, p.done - p.reused
            if job.user.id != user_id or p.stage != Stage.EXTRACTING or answered <= 0:
                continue
            guess = (now - job.started) * (asked - answered) / answered
            best = guess if best is None else min(best, guess)
        return min(max(RETRY_IN_DEFAULT if best is None else best, 1.0), 600.0)
