"""`/admin …` typed as text (Telegram and the console chat): parsed once, answered once.

Discord has the same commands as slash subcommands (bot/discord/ops.py); all of them call
the same admin actions (core/actions/_admin.py), which refuse anyone not in
ADMIN_USER_IDS.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import ops_texts
from core import Actions, NotAdmin, Translator, User

log = logging.getLogger(__name__)

Say = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class AdminCommand:
    name: str  # status, user, quota, block, unblock, broadcast, help
    target: str = ""  # platform:id
    builds: int | None = None  # quota: None puts back the default
    days: int = ops_texts.BROADCAST_DAYS
    text: str = ""


def parse_admin(rest: str) -> AdminCommand:
    """What follows `/admin`; anything not understood is `help`."""
    name, _, tail = rest.strip().partition(" ")
    name, tail = name.lower(), tail.strip()
    words = tail.split()
    if not name:
        return AdminCommand("status")
    if name in ("user", "block", "unblock") and len(words) == 1:
        return AdminCommand(name, words[0])
    if name == "quota" and len(words) == 2:
        amount = words[1].lower()
        if amount == "default":
            return AdminCommand(name, words[0], None)
        if amount.isascii() and amount.isdigit() and len(amount) <= 7:
            return AdminCommand(name, words[0], int(amount))
    if name == "broadcast" and tail:
        first, _, text = tail.partition(" ")
        if first.isascii() and first.isdigit() and len(first) <= 3 and text.strip():
            return AdminCommand(name, days=int(first), text=text.strip())
        return AdminCommand(name, text=tail)
    return AdminCommand("help")


async def run_admin(
    actions: Actions, user: User, tr: Translator, command: AdminCommand, say: Say
) -> None:
    """Answer an admin command with `say` (twice for a broadcast: its start and its report);
    NotAdmin for anyone else."""
    if not actions.admin.is_admin(user):
        log.warning("user %s tried /admin", user.id)
        raise NotAdmin(f"user {user.id}")
    if command.name == "status":
        await say(ops_texts.status_text(tr, await actions.admin.status(user)))
    elif command.name == "user":
        await say(ops_texts.quota_text(tr, await actions.admin.user(user, command.target)))
    elif command.name == "quota":
        quota = await actions.admin.set_quota(user, command.target, command.builds)
        await say(ops_texts.quota_text(tr, quota))
    elif command.name in ("block", "unblock"):
        blocked = command.name == "block"
        quota = await actions.admin.block(user, command.target, blocked=blocked)
        await say(ops_texts.quota_text(tr, quota))
    elif command.name == "broadcast":
        await broadcast(actions, user, tr, command.text, command.days, say)
    else:
        await say(tr(ops_texts.ADMIN_HELP))


async def broadcast(
    actions: Actions, user: User, tr: Translator, text: str, days: int, say: Say
) -> None:
    """Tell the admin how many it reaches, send it, then report (every face alike)."""
    audience = await actions.admin.audience(user, days)
    if not audience:
        await say(tr(ops_texts.BROADCAST_EMPTY))
        return
    await say(ops_texts.broadcast_start(tr, len(audience)))
    await say(ops_texts.broadcast_text(tr, await actions.admin.broadcast(user, text, days)))
