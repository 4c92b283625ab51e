"""The Telegram face: one PTB Application, its handlers registered in one place.

AIORateLimiter (plus retries of 5xx and network errors) and concurrent updates; handlers
are small module functions in links.py, commands.py and presses.py that parse, call one
action (core.actions) and render. All button state lives in the database, so old buttons
keep working after a restart.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.adapters import PlatformUnreachable, TokenRejected
from bot.app import App
from bot.telegram import commands, links, ops, presses
from bot.telegram.context import PLATFORM, SERVICES, Context, Services
from bot.telegram.retry import RetryingRateLimiter
from core.i18n import DEFAULT_LANGUAGE, INTERFACE_LANGUAGES, translator

log = logging.getLogger(__name__)

# Opt in to PTB 23's behaviour now (durations as timedelta), as PTB 22 asks us to.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def handlers() -> list[BaseHandler[Update, Context, None]]:
    command = {
        "start": commands.cmd_start,
        "help": commands.cmd_help,
        "vocab": links.cmd_vocab,
        "decks": commands.cmd_decks,
        "known": commands.cmd_known,
        "settings": commands.cmd_settings,
        "export": commands.cmd_export,
        "cancel": commands.cmd_cancel,
        "quiz": commands.cmd_quiz,
        "stats": commands.cmd_stats,
        "privacy": ops.cmd_privacy,
        "forget": ops.cmd_forget,
        "admin": ops.cmd_admin,
    }
    private = filters.ChatType.PRIVATE
    return [
        *(CommandHandler(name, callback) for name, callback in command.items()),
        MessageHandler(filters.TEXT & ~filters.COMMAND, links.on_text),
        MessageHandler(filters.COMMAND & private, commands.on_unknown_command),
        MessageHandler(private & ~filters.TEXT, commands.on_other),
        *presses.handlers(),
    ]


class TelegramAdapter:
    name = "Telegram"

    def __init__(
        self,
        app: App,
        *,
        token: str,
        base_url: str | None = None,
        edit_interval: float = 1.5,
        first_edit_delay: float = 0.5,
        poll_timeout: int = 10,
        rate_limiter: RetryingRateLimiter | None = None,
    ) -> None:
        self.poll_timeout = poll_timeout
        self.polling = ops.PollingRequest(read_timeout=poll_timeout + 10)
        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(rate_limiter or RetryingRateLimiter())
            .concurrent_updates(True)
            .connect_timeout(10)
            .read_timeout(30)
            .write_timeout(30)
            .pool_timeout(10)
            .get_updates_request(self.polling)
        )
        if base_url:
            builder = builder.base_url(base_url).base_file_url(
                base_url.replace("/bot", "/file/bot")
            )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.services = Services(app, edit_interval, first_edit_delay)
        self.application.bot_data[SERVICES] = self.services
        self.application.add_handlers(handlers())
        self.application.add_error_handler(commands.on_error)
        app.runner.notifiers[PLATFORM] = links.Notifier(self.services, self.application.bot)
        app.actions.senders[PLATFORM] = ops.Sender(self.application.bot)
        app.health.platforms[PLATFORM] = self.connected

    async def start(self) -> None:
        try:
            await self.application.initialize()
            await self.set_commands()
        except InvalidToken as exc:
            raise TokenRejected(str(exc)) from exc
        except (NetworkError, OSError) as exc:
            raise PlatformUnreachable(str(exc)) from exc
        self.polling.answered_at = time.monotonic()  # getMe and deleteWebhook answered
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.poll_timeout,
            allowed_updates=["message", "callback_query"],
            error_callback=self._polling_error,
        )
        log.info("Telegram bot @%s is polling", self.application.bot.username)

    async def set_commands(self) -> None:
        """The command menu in every interface language: English for everyone, and each
        other language for the clients that use it (setMyCommands with language_code)."""
        for language in INTERFACE_LANGUAGES:
            tr = translator(language)
            menu = [BotCommand(name, tr(about)) for name, about in commands.COMMANDS]
            if language == DEFAULT_LANGUAGE:
                await self.application.bot.set_my_commands(menu)
            else:
                await self.application.bot.set_my_commands(menu, language_code=language)

    def connected(self) -> bool:
        """Polling runs and Telegram answered it lately (a long poll answers at least
        every `poll_timeout` seconds; its read timeout is 10 s more)."""
        updater, answered = self.application.updater, self.polling.answered_at
        if updater is None or not updater.running or answered is None:
            return False
        return time.monotonic() - answered <= 2 * (self.poll_timeout + 10)

    def _polling_error(self, exc: TelegramError) -> None:
        log.warning("Telegram polling: %s", exc)

    async def stop(self) -> None:
        for editor in self.services.editors.values():
            editor.cancel()
        self.services.editors.clear()
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
