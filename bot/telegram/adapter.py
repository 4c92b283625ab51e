"""The Telegram face: one PTB Application, its handlers registered in one place.

AIORateLimiter (plus retries of 5xx and network errors) and concurrent updates; handlers
are small module functions in links.py, commands.py and presses.py that parse, call one
action (core.actions) and render. All button state lives in the database, so old buttons
keep working after a restart.

Updates come by long polling (the default), or, with TELEGRAM_WEBHOOK_URL, from Telegram's
webhook (webhook.py) so that several fronts can share the work behind a load balancer.
Never both: in webhook mode the Application has no updater at all.
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
from bot.telegram import commands, habit, links, ops, presses, study
from bot.telegram.context import PLATFORM, SERVICES, Context, TelegramState
from bot.telegram.retry import RetryingRateLimiter
from bot.telegram.webhook import Webhook, WebhookServer
from core import DEFAULT_LANGUAGE, INTERFACE_LANGUAGES, translator

log = logging.getLogger(__name__)

# Opt in to PTB 23's behaviour now (durations as timedelta), as PTB 22 asks us to.
os.environ.setdefault("PTB_TIMEDELTA", "1")

ALLOWED_UPDATES = ["message", "callback_query"]


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
        "web": study.cmd_web,
        "remind": habit.cmd_remind,
        "privacy": ops.cmd_privacy,
        "forget": ops.cmd_forget,
        "admin": ops.cmd_admin,
    }
    private = filters.ChatType.PRIVATE
    return [
        *(CommandHandler(name, callback) for name, callback in command.items()),
        MessageHandler(filters.TEXT & ~filters.COMMAND, links.on_text),
        MessageHandler(filters.Document.ALL, links.on_document),
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
        base_file_url: str | None = None,
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
            .request(ops.bot_request())
            .get_updates_request(self.polling)
        )
        if base_url:
            # Files come from the same server's /file/bot path unless TELEGRAM_API_FILE_URL
            # says otherwise (a self-hosted Bot API may serve them elsewhere).
            base_file_url = base_file_url or base_url.replace("/bot", "/file/bot")
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        webhook = Webhook.from_settings(app.settings)
        if webhook is not None:
            builder = builder.updater(None)  # updates come to us: nothing may poll
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.server = WebhookServer(webhook, self.application) if webhook is not None else None
        self.services = TelegramState(app, edit_interval, first_edit_delay)
        self.application.bot_data[SERVICES] = self.services
        self.application.add_handlers(handlers())
        self.application.add_error_handler(commands.on_error)
        app.runner.notifiers[PLATFORM] = links.Notifier(self.services, self.application.bot)
        app.actions.admin.senders[PLATFORM] = ops.Sender(self.application.bot)
        app.actions.reminders.senders[PLATFORM] = habit.ReminderSender(
            self.application.bot, app.settings
        )
        app.health.platforms[PLATFORM] = self.connected

    async def start(self) -> None:
        try:
            await self.application.initialize()
            await self.set_commands()
        except InvalidToken as exc:
            raise TokenRejected(str(exc)) from exc
        except (NetworkError, OSError) as exc:
            raise PlatformUnreachable(str(exc)) from exc
        if self.server is not None:
            await self._start_webhook(self.server)
            return
        self.polling.answered_at = time.monotonic()  # getMe and deleteWebhook answered
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=self._polling_error,
        )
        log.info("Telegram bot @%s is polling", self.application.bot.username)

    async def _start_webhook(self, server: WebhookServer) -> None:
        """Listen first, then tell Telegram where to send updates (with the secret)."""
        webhook = server.webhook
        try:
            await server.start()
        except OSError as exc:
            where = f"{webhook.host}:{webhook.port}"
            raise PlatformUnreachable(f"cannot listen for the webhook on {where}: {exc}") from exc
        await self.application.start()
        try:
            await self.application.bot.set_webhook(
                webhook.url, allowed_updates=ALLOWED_UPDATES, secret_token=webhook.secret
            )
        except TelegramError as exc:  # a URL Telegram refuses, or it is unreachable now
            await server.stop()
            await self.application.stop()
            raise PlatformUnreachable(f"setWebhook {webhook.url} failed: {exc}") from exc
        log.info(
            "Telegram bot @%s gets updates at %s (listening on %s:%s%s)",
            self.application.bot.username,
            webhook.url,
            webhook.host,
            server.port,
            webhook.path,
        )

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
        every `poll_timeout` seconds; its read timeout is 10 s more). In webhook mode: the
        webhook listens (whether Telegram reaches it shows in getWebhookInfo, not here)."""
        if self.server is not None:
            return self.server.running and self.application.running
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
        # The webhook stays set: the other fronts behind the load balancer still serve it
        # (polling, when started again, deletes it first).
        if self.server is not None:
            await self.server.stop()
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
