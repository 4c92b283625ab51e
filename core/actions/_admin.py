"""Actions for running the bot in public: the admins' commands and the operator's usage report."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from core import errors
from core.actions._parts import Part, Shared
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
from core.store import DayUsage, UsageCount, User, UserUsage

log = logging.getLogger(__name__)

TOP_SPENDERS = 5  # learners /admin lists


class Admin(Part):
    """The bot's admins (ADMIN_USER_IDS) in a chat, and the operator at the CLI."""

    def __init__(
        self,
        shared: Shared,
        *,
        admins: frozenset[str] = frozenset(),
        broadcast_per_second: float = 20.0,
    ) -> None:
        super().__init__(shared)
        self.admins = admins  # "platform:id" of each admin (ADMIN_USER_IDS)
        self.senders: dict[str, Sender] = {}  # set by the faces that can broadcast
        self.pacer = Pacer(broadcast_per_second)

    # -- admins ------------------------------------------------------------------------

    def is_admin(self, user: User) -> bool:
        return account(user) in self.admins

    def _admin(self, user: User, what: str) -> None:
        if not self.is_admin(user):
            log.warning("user %s is not an admin: refused %s", user.id, what)
            raise errors.NotAdmin(f"user {user.id}: {what}")
        log.info("admin %s: %s", user.id, what)

    async def status(self, admin: User) -> AdminStatus:
        """The queue now and today's spending."""
        self._admin(admin, "status")
        today = datetime.now(UTC).date()
        days = await self._store.usage_by_day(today)
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
            active_today=await self._store.count_active_users(midnight),
            token_budget=self._spending.daily_tokens,
            daily_builds=self._spending.daily_builds,
            top=tuple(await self._store.top_users(today, TOP_SPENDERS)),
            problems=errors.problems_since(midnight),
        )

    async def user(self, admin: User, target: str) -> UserQuota:
        """One learner's quota and today's use, by `platform:id`."""
        self._admin(admin, f"look at {target[:40]}")
        return await self._quota_of(await self._target(target))

    async def set_quota(self, admin: User, target: str, builds: int | None) -> UserQuota:
        """Raise or lower a learner's daily builds (None: back to the default)."""
        if builds is not None and builds < 0:
            raise errors.BadSetting(f"quota {builds}")
        self._admin(admin, f"quota of {target[:40]} = {builds}")
        user = await self._target(target)
        current = await self._store.get_quota(user.id)
        await self._store.set_quota(user.id, replace(current, daily_builds=builds))
        return await self._quota_of(user)

    async def block(self, admin: User, target: str, *, blocked: bool) -> UserQuota:
        """Stop (or allow again) every new build of a learner; cached decks still open."""
        self._admin(admin, f"{'block' if blocked else 'unblock'} {target[:40]}")
        user = await self._target(target)
        current = await self._store.get_quota(user.id)
        await self._store.set_quota(user.id, replace(current, blocked=blocked))
        return await self._quota_of(user)

    async def audience(self, admin: User, days: int) -> list[User]:
        """The learners a broadcast over the last `days` days would reach."""
        self._admin(admin, f"broadcast audience, {days} days")
        if not 1 <= days <= 366:
            raise errors.BadSetting(f"broadcast over {days} days")
        return await self._store.active_users(datetime.now(UTC) - timedelta(days=days))

    async def broadcast(self, admin: User, text: str, days: int) -> BroadcastReport:
        """Send `text` to every learner who talked to the bot in the last `days` days, on
        the platforms this process runs, paced under the platforms' limits."""
        text = text.strip()
        if not text or len(text) > BROADCAST_MAX_CHARS:
            raise errors.BadSetting(f"broadcast of {len(text)} characters")
        recipients = await self.audience(admin, days)
        report, by_platform = await broadcast(recipients, text, self.senders, self.pacer)
        for platform, (sent, failed) in by_platform.items():
            self._metrics.broadcast_messages.labels(platform, "sent").inc(sent)
            self._metrics.broadcast_messages.labels(platform, "failed").inc(failed)
        log.info(
            "broadcast by admin %s: %d sent, %d failed, %d skipped",
            *(admin.id, report.sent, report.failed, report.skipped),
        )
        return report

    async def usage(self, since: date, top: int) -> tuple[list[DayUsage], list[UserUsage]]:
        """LLM use per day since `since`, and the `top` learners by tokens: the operator's
        report (`vocabot usage`, on this machine; no admin account is asked for)."""
        return await self._store.usage_by_day(since), await self._store.top_users(since, top)

    async def _target(self, target: str) -> User:
        platform, platform_id = parse_account(target)
        user = await self._store.find_user(platform, platform_id)
        if user is None:
            raise errors.UnknownUser(target[:80])
        return user

    async def _quota_of(self, user: User) -> UserQuota:
        allowance = await self._spending.allowance(user)
        return UserQuota(
            user,
            allowance.limit,
            allowance.used,
            allowance.override.blocked,
            allowance.override.daily_builds is not None,
            allowance.exempt,
        )
