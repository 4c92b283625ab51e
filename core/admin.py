"""Admins (ADMIN_USER_IDS): who they are, what /admin shows, and a paced broadcast.

An admin is named as `platform:id` (telegram:12345, discord:67890, console:alice), the
platform's own account id, so the list can be written before they ever talk to the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from core import errors
from core.store import UsageCount, User, UserUsage

log = logging.getLogger(__name__)

# Sends one broadcast message to a learner of one platform (their account id, the text);
# False when it could not be delivered (they blocked the bot, the chat is gone).
Sender = Callable[[str, str], Awaitable[bool]]
BROADCAST_MAX_CHARS = 3500  # under Telegram's 4,096 and Discord's 4,000 (with a header)


def account(user: User) -> str:
    """How admins name a learner: platform:id."""
    return f"{user.platform}:{user.platform_user_id}"


def parse_account(text: str) -> tuple[str, str]:
    """`platform:id` as (platform, id), or UnknownUser."""
    platform, _, platform_id = text.strip().partition(":")
    if not platform or not platform_id or any(c.isspace() for c in text.strip()):
        raise errors.UnknownUser(text[:80])
    return platform.lower(), platform_id


def parse_admins(accounts: Iterable[str]) -> frozenset[str]:
    """ADMIN_USER_IDS, normalised (platform in lower case, spaces gone)."""
    found = set()
    for entry in accounts:
        if entry.strip():
            platform, platform_id = parse_account(entry)
            found.add(f"{platform}:{platform_id}")
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class AdminStatus:
    """What /admin shows: the queue now, and today's spending (UTC)."""

    jobs_active: int  # jobs queued or running in this process
    builds_running: int  # builds holding a video slot
    builds_waiting: int  # builds waiting for one
    today: UsageCount
    builders_today: int  # learners who started a build or spent tokens today
    active_today: int  # learners who talked to the bot today
    token_budget: int  # DAILY_TOKEN_BUDGET (0: none)
    daily_builds: int  # USER_DAILY_BUILDS (0: no quota)
    top: tuple[UserUsage, ...]  # today's biggest spenders
    problems: tuple[str, ...] = ()  # what the operator can fix (server settings), today


@dataclass(frozen=True, slots=True)
class UserQuota:
    """One learner's quota as an admin sees it."""

    user: User
    limit: int | None  # builds a day (None: no limit)
    used: UsageCount  # today
    blocked: bool
    custom: bool  # an admin set this learner's quota (else the default)
    exempt: bool  # an admin or the local operator: never limited by the quota


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    recipients: int  # learners who talked to the bot in the period
    sent: int
    failed: int  # blocked the bot, or the platform refused
    skipped: int  # on platforms this process does not run (console, HTTP API, ...)


class Pacer:
    """At most `rate` sends in any one second: each send waits for its turn, 1/rate apart
    (Telegram allows bots about 30 messages a second to different chats)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0

    async def turn(self) -> None:
        now = self.clock()
        if self._next > now:
            await self.sleep(self._next - now)
            now = max(self.clock(), self._next)
        self._next = now + self.interval


async def broadcast(
    recipients: list[User], text: str, senders: dict[str, Sender], pacer: Pacer
) -> tuple[BroadcastReport, dict[str, tuple[int, int]]]:
    """Send `text` to each recipient whose platform has a sender, one at a time, paced.

    Returns the report and, per platform, (sent, failed)."""
    sent = failed = skipped = 0
    by_platform: dict[str, tuple[int, int]] = {}
    for user in recipients:
        send = senders.get(user.platform)
        if send is None:
            skipped += 1
            continue
        await pacer.turn()
        try:
            delivered = await send(user.platform_user_id, text)
        except Exception:
            log.exception("broadcast to user %s failed", user.id)
            delivered = False
        ok, bad = by_platform.get(user.platform, (0, 0))
        by_platform[user.platform] = (ok + delivered, bad + (not delivered))
        sent += delivered
        failed += not delivered
    return BroadcastReport(len(recipients), sent, failed, skipped), by_platform
