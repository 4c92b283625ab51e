"""Actions for running the bot in public: activity, admins, and a learner's right to leave."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core import errors
from core.admin import (
    BROADCAST_MAX_CHARS,
    AdminStatus,
    BroadcastReport,
    Pacer,
    Sender,
    UserQuota,
    account,
    broadcast,
    parse_account,
)
from core.jobs import Runner
from core.metrics import Metrics
from core.spending import Spending
from core.srs import Quiz
from core.store import Store, UsageCount, User

log = logging.getLogger(__name__)

TOP_SPENDERS = 5  # learners /admin lists


class Operating:
    """The Actions' part for operators and for leaving. Its state is set by Actions."""

    store: Store
    quiz: Quiz
    metrics: Metrics
    spending: Spending
    admins: frozenset[str]
    senders: dict[str, Sender]  # platform -> how a broadcast reaches its learners
    pacer: Pacer
    _runner: Runner | None

    # -- activity ----------------------------------------------------------------------

    async def seen(self, user: User) -> User:
        """Note once a day that this learner talked to the bot (daily active users, and
        whom a broadcast reaches)."""
        now = datetime.now(UTC)
        if user.last_seen is not None and user.last_seen.date() == now.date():
            return user
        await self.store.mark_seen(user.id, now)
        midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
        self.metrics.set_active_users(now.date(), await self.store.count_active_users(midnight))
        return replace(user, last_seen=now)

    # -- leaving -----------------------------------------------------------------------

    async def forget(self, user: User) -> dict[str, int]:
        """Delete everything kept about this learner (after they confirmed): their running
        videos are stopped first. Returns the rows deleted per table."""
        if self._runner is not None:
            await self._runner.cancel(user.id)
        deleted = await self.store.forget_user(user.id)
        log.info(
            "user %s used /forget: %d rows deleted",
            user.id,
            sum(deleted.values()),
            extra={"user_id": user.id},
        )
        return deleted

    # -- admins ------------------------------------------------------------------------

    def is_admin(self, user: User) -> bool:
        return account(user) in self.admins

    def _admin(self, user: User, what: str) -> None:
        if not self.is_admin(user):
            log.warning("user %s is not an admin: refused %s", user.id, what)
            raise errors.NotAdmin(f"user {user.id}: {what}")
        log.info("admin %s: %s", user.id, what)

    async def admin_status(self, admin: User) -> AdminStatus:
        """The queue now and today's spending."""
        self._admin(admin, "status")
        today = datetime.now(UTC).date()
        days = await self.store.usage_by_day(today)
        day = days[0] if days and days[0].day == today else None
        midnight = datetime.combine(today, datetime.min.time(), UTC)
        runner = self._runner
        running, waiting = await runner.builds() if runner else (0, 0)
        return AdminStatus(
            jobs_active=runner.job_count if runner else 0,
            builds_running=running,
            builds_waiting=waiting,
            today=day.usage if day else UsageCount(),
            builders_today=day.users if day else 0,
            active_today=await self.store.count_active_users(midnight),
            token_budget=self.spending.daily_tokens,
            daily_builds=self.spending.daily_builds,
            top=tuple(await self.store.top_users(today, TOP_SPENDERS)),
            problems=errors.problems_since(midnight),
        )

    async def admin_user(self, admin: User, target: str) -> UserQuota:
        """One learner's quota and today's use, by `platform:id`."""
        self._admin(admin, f"look at {target[:40]}")
        return await self._quota_of(await self._target(target))

    async def admin_set_quota(self, admin: User, target: str, builds: int | None) -> UserQuota:
        """Raise or lower a learner's daily builds (None: back to the default)."""
        if builds is not None and builds < 0:
            raise errors.BadSetting(f"quota {builds}")
        self._admin(admin, f"quota of {target[:40]} = {builds}")
        user = await self._target(target)
        current = await self.store.get_quota(user.id)
        await self.store.set_quota(user.id, replace(current, daily_builds=builds))
        return await self._quota_of(user)

    async def admin_block(self, admin: User, target: str, *, blocked: bool) -> UserQuota:
        """Stop (or allow again) every new build of a learner; cached decks still open."""
        self._admin(admin, f"{'block' if blocked else 'unblock'} {target[:40]}")
        user = await self._target(target)
        current = await self.store.get_quota(user.id)
        await self.store.set_quota(user.id, replace(current, blocked=blocked))
        return await self._quota_of(user)

    async def broadcast_audience(self, admin: User, days: int) -> list[User]:
        """The learners a broadcast over the last `days` days would reach."""
        self._admin(admin, f"broadcast audience, {days} days")
        if not 1 <= days <= 366:
            raise errors.BadSetting(f"broadcast over {days} days")
        return await self.store.active_users(datetime.now(UTC) - timedelta(days=days))

    async def admin_broadcast(self, admin: User, text: str, days: int) -> BroadcastReport:
        """Send `text` to every learner who talked to the bot in the last `days` days, on
        the platforms this process runs, paced under the platforms' limits."""
        text = text.strip()
        if not text or len(text) > BROADCAST_MAX_CHARS:
            raise errors.BadSetting(f"broadcast of {len(text)} characters")
        recipients = await self.broadcast_audience(admin, days)
        report, by_platform = await broadcast(recipients, text, self.senders, self.pacer)
        for platform, (sent, failed) in by_platform.items():
            self.metrics.broadcast_messages.labels(platform, "sent").inc(sent)
            self.metrics.broadcast_messages.labels(platform, "failed").inc(failed)
        log.info(
            "broadcast by admin %s: %d sent, %d failed, %d skipped",
            *(admin.id, report.sent, report.failed, report.skipped),
        )
        return report

    async def _target(self, target: str) -> User:
        platform, platform_id = parse_account(target)
        user = await self.store.find_user(platform, platform_id)
        if user is None:
            raise errors.UnknownUser(target[:80])
        return user

    async def _quota_of(self, user: User) -> UserQuota:
        allowance = await self.spending.allowance(user)
        return UserQuota(
            user,
            allowance.limit,
            allowance.used,
            allowance.override.blocked,
            allowance.override.daily_builds is not None,
            allowance.exempt,
        )
