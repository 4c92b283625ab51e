"""LLM cost control: a daily build quota per learner and a daily token budget for the bot.

Days are UTC days; both limits reset at midnight UTC. A build counts against the learner
whose request starts it; a cache hit, or a request that joins a build already running,
costs nothing and never counts. Tokens are counted per LLM request as the server reports
them (this is an observer of the LLM client), kept in memory per build and written once
the build ends.

Both limits hold however many builds start at once, in however many processes: a request
takes its build from the quota in one step with the check, in the store (`take`), and
gives it back if it did not start a build after all (cached, or joined one); a build,
once planned, reserves the tokens it may spend from the budget, again in one step with
the check (`reserve`), before its first LLM call, and gives back what it did not spend
when it ends (`settle`). The budget counts spent and reserved tokens, so it is overshot by
one build at most.

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

    async def take(self, user: User) -> None:
        """Count a build for `user` now, in one step with the checks (across processes);
        raise if they may not start one: blocked, over their quota, or the bot over its
        budget. A build taken that does not start is given back (`give_back`)."""
        override = await self.store.get_quota(user.id)
        if override.blocked:
            self._refused("blocked", user)
            raise errors.BuildsBlocked(f"user {user.id} is blocked")
        limit: int | None = override.daily_builds
        if limit is None and self.daily_builds:
            limit = self.daily_builds
        if self.exempt(user):
            limit = None
        refusal = await self.store.take_build(
            user.id, self.today(), limit=limit, budget=self.daily_tokens
        )
        if refusal == "quota" and limit is not None:
            self._refused("quota", user)
            raise errors.QuotaExceeded(limit, self.seconds_to_reset())
        if refusal is not None:
            self._refused("budget", user)
            spent = await self.tokens_today()
            raise errors.BudgetExhausted(spent, self.daily_tokens, self.seconds_to_reset())

    async def give_back(self, user_id: int) -> None:
        """A build taken for `user_id` did not start (its deck was cached, it joined one
        already running, or its request failed): it does not count. Never raises."""
        try:
            await self.store.give_back_build(user_id, self.today())
        except Exception:
            log.exception("could not give back a build of user %s", user_id)

    async def reserve(self, user_id: int, tokens: int) -> int:
        """Reserve `tokens` of today's budget for a build about to call the LLM (in one
        step with the check, across processes); what was reserved (0: no budget). Raises
        BudgetExhausted when the spent and reserved tokens reached the budget."""
        if not self.daily_tokens:
            return 0
        if not await self.store.reserve_tokens(
            user_id, self.today(), tokens, budget=self.daily_tokens
        ):
            self.metrics.quota_refusals.labels("budget").inc()
            log.info("build of user %s stopped before its first call: budget", user_id)
            spent = await self.tokens_today()
            raise errors.BudgetExhausted(spent, self.daily_tokens, self.seconds_to_reset())
        return tokens

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

    # -- the LLM client's observer (core.llm.CallObserver) --------------------------------

    def call(self, record: CallRecord) -> None:
        if isinstance(record.owner, int) and (record.prompt_tokens or record.completion_tokens):
            pending = self._pending[record.owner]
            pending[0] += record.prompt_tokens
            pending[1] += record.completion_tokens

    def retry(self, server: str) -> None:
        return None

    async def settle(self, user_id: int, *, reserved: int = 0) -> None:
        """Write the tokens this learner's builds spent so far, and give back the build's
        reservation (a build ended)."""
        prompt, completion = self._pending.pop(user_id, (0, 0))
        if prompt or completion or reserved:
            await self.store.add_usage(
                user_id,
                self.today(),
                prompt_tokens=prompt,
                completion_tokens=completion,
                reserved_tokens=-reserved,
            )
