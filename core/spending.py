"""LLM cost control: a daily build quota per learner and a daily token budget for the bot.

Days are UTC days; both limits reset at midnight UTC. A build counts against the learner
whose request starts it; a cache hit, or a request that joins a build already running,
costs nothing and never counts. Tokens are counted per LLM request as the server reports
them (this is an observer of the LLM client), kept in memory per build and written once
the build ends, so the budget also sees builds still running in this process.

Who is limited: everyone by the budget; by the daily quota everyone but the admins and the
learner at this machine's terminal (the operator's own console chat and CLI). An admin may
give one learner another quota, or block them (QuotaOverride in the store).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core import errors
from core.llm import CallRecord
from core.metrics import Metrics
from core.store import QuotaOverride, Store, UsageCount, User

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Allowance:
    """One learner's quota today: their limit (None: none), what they used, their override."""

    limit: int | None
    used: UsageCount
    override: QuotaOverride
    exempt: bool  # an admin or the local operator: no daily quota


class Spending:
    """Checks and records what builds cost (one instance per process)."""

    def __init__(
        self,
        store: Store,
        *,
        daily_builds: int = 0,
        daily_tokens: int = 0,
        exempt: Callable[[User], bool] = lambda user: False,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.daily_builds = daily_builds  # 0: no quota
        self.daily_tokens = daily_tokens  # 0: no budget
        self.exempt = exempt
        self.metrics = metrics or Metrics()
        self.clock = clock
        self._pending: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])

    def today(self) -> date:
        return self.clock().date()

    def seconds_to_reset(self) -> float:
        now = self.clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        return (midnight - now).total_seconds()

    async def allowance(self, user: User) -> Allowance:
        override = await self.store.get_quota(user.id)
        exempt = self.exempt(user)
        limit: int | None = override.daily_builds
        if limit is None and self.daily_builds:
            limit = self.daily_builds
        if exempt:
            limit = None
        used = await self.store.user_usage(user.id, self.today())
        return Allowance(limit, used, override, exempt)

    async def check(self, user: User) -> None:
        """Raise if `user` may not start a build now: blocked, over their quota, or the
        bot over its budget."""
        allowance = await self.allowance(user)
        if allowance.override.blocked:
            self._refused("blocked", user)
            raise errors.BuildsBlocked(f"user {user.id} is blocked")
        if allowance.limit is not None and allowance.used.builds >= allowance.limit:
            self._refused("quota", user)
            raise errors.QuotaExceeded(allowance.limit, self.seconds_to_reset())
        if self.daily_tokens:
            spent = await self.tokens_today()
            if spent >= self.daily_tokens:
                self._refused("budget", user)
                raise errors.BudgetExhausted(spent, self.daily_tokens, self.seconds_to_reset())

    async def check_tokens(self, user: User) -> None:
        """Raise if `user` may not spend tokens on a small request now (a sentence to
        translate): blocked, or the bot over its daily budget. Builds' quota not counted."""
        if (await self.store.get_quota(user.id)).blocked:
            self._refused("blocked", user)
            raise errors.BuildsBlocked(f"user {user.id} is blocked")
        if self.daily_tokens:
            spent = await self.tokens_today()
            if spent >= self.daily_tokens:
                self._refused("budget", user)
                raise errors.TranslationBudget(spent, self.daily_tokens, self.seconds_to_reset())

    async def record_tokens(self, user: User, prompt_tokens: int, completion_tokens: int) -> None:
        """A small request's tokens (not a build), in the learner's spending today."""
        if prompt_tokens or completion_tokens:
            await self.store.add_usage(
                user.id,
                self.today(),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )

    def _refused(self, reason: str, user: User) -> None:
        self.metrics.quota_refusals.labels(reason).inc()
        log.info("build refused for user %s: %s", user.id, reason)

    async def tokens_today(self) -> int:
        """Tokens spent today by every learner, builds still running here included."""
        days = await self.store.usage_by_day(self.today())
        stored = days[0].usage.tokens if days and days[0].day == self.today() else 0
        return stored + sum(p + c for p, c in self._pending.values())

    async def record_build(self, user_id: int) -> None:
        """A build started for `user_id` (its request was neither cached nor joined)."""
        await self.store.add_usage(user_id, self.today(), builds=1)

    # -- the LLM client's observer (core.llm.CallObserver) --------------------------------

    def call(self, record: CallRecord) -> None:
        if isinstance(record.owner, int) and (record.prompt_tokens or record.completion_tokens):
            pending = self._pending[record.owner]
            pending[0] += record.prompt_tokens
            pending[1] += record.completion_tokens

    def retry(self, server: str) -> None:
        return None

    async def settle(self, user_id: int) -> None:
        """Write the tokens this learner's builds spent so far (a build ended)."""
        prompt, completion = self._pending.pop(user_id, (0, 0))
        if prompt or completion:
            await self.store.add_usage(
                user_id, self.today(), prompt_tokens=prompt, completion_tokens=completion
            )
