"""Telegram's part in running the bot in public: /privacy, /forget, /admin, broadcasts, and
whether polling is connected (readiness)."""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.request import HTTPXRequest

from bot import ops_texts
from bot.admin_commands import parse_admin, run_admin
from bot.telegram.callback_data import encode
from bot.telegram.context import Context, learner_tr, reply, services
from bot.telegram.render import esc
from core import tls_context

log = logging.getLogger(__name__)


async def cmd_privacy(update: Update, context: Context) -> None:
    _, tr = await learner_tr(update, context)
    await reply(update, esc(tr(ops_texts.PRIVACY)))


async def cmd_forget(update: Update, context: Context) -> None:
    """Ask first: the buttons carry the asker's account, so only they can confirm."""
    user, tr = await learner_tr(update, context)
    me = user.platform_user_id
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr(ops_texts.FORGET_YES), callback_data=encode("fg", me, "y"))],
            [InlineKeyboardButton(tr(ops_texts.FORGET_NO), callback_data=encode("fg", me, "n"))],
        ]
    )
    await reply(update, esc(tr(ops_texts.FORGET_ASK)), keyboard)


async def cmd_admin(update: Update, context: Context) -> None:
    """`/admin …` for admins (ADMIN_USER_IDS); anyone else is told it is not for them."""
    user, tr = await learner_tr(update, context)
    text = (update.effective_message.text if update.effective_message else "") or ""
    rest = text.partition(" ")[2] if " " in text.strip() else ""

    async def say(answer: str) -> None:
        await reply(update, esc(answer))

    await run_admin(services(context).actions, user, tr, parse_admin(rest), say)


class Sender:
    """Sends a broadcast message to one learner (their private chat has their id)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, platform_user_id: str, text: str) -> bool:
        try:
            await self.bot.send_message(int(platform_user_id), text)
        except (Forbidden, BadRequest) as exc:  # blocked the bot, or the chat is gone
            log.info("broadcast not delivered: %s", exc)
            return False
        except TelegramError as exc:
            log.warning("broadcast not delivered: %s", exc)
            return False
        return True


def bot_request() -> HTTPXRequest:
    """The connections of every Bot API call but getUpdates: PTB's default pool, our
    timeouts, the process's one TLS context (PTB would load the CA bundle per client)."""
    return HTTPXRequest(
        connection_pool_size=256,
        connect_timeout=10,
        read_timeout=30,
        write_timeout=30,
        pool_timeout=10,
        httpx_kwargs={"verify": tls_context()},
    )


class PollingRequest(HTTPXRequest):
    """The getUpdates connection, remembering when Telegram last answered it (readiness)."""

    def __init__(self, read_timeout: float) -> None:
        super().__init__(
            connection_pool_size=1,
            read_timeout=read_timeout,
            httpx_kwargs={"verify": tls_context()},
        )
        self.answered_at: float | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status == 200:
            self.answered_at = time.monotonic()
        return status, payload
