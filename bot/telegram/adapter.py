"""The Telegram adapter: python-telegram-bot handlers that parse, call core, and render.

One PTB Application (AIORateLimiter plus retries of 5xx, concurrent updates) shares the
process's store, job runner and LLM client. A link gets a reply at once; that one message
is then edited with progress (throttled) and finally becomes page 1 of the deck. All
button state lives in the database, so old buttons keep working after a restart.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from typing import Any

from telegram import BotCommand, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts
from bot.app import App
from bot.pages import page_of
from bot.telegram.render import (
    NOOP,
    Press,
    answer_html,
    decks_keyboard,
    decode,
    esc,
    export_keyboard,
    page_html,
    page_keyboard,
    question_html,
    question_keyboard,
    rating_keyboard,
    settings_keyboard,
    split_text,
)
from bot.telegram.retry import RetryingRateLimiter
from bot.throttle import ThrottledEditor
from core import errors
from core.export import apkg_bytes, csv_bytes
from core.jobs import JobUpdate
from core.models import Stage
from core.srs import Kind, QuestionExpired
from core.store import CardKind, DeckInfo, Notify, User
from core.youtube import find_video_id

log = logging.getLogger(__name__)

# Opt in to PTB 23's behaviour now (durations as timedelta), as PTB 22 asks us to.
os.environ.setdefault("PTB_TIMEDELTA", "1")

PLATFORM = "telegram"
COMMANDS = [
    ("vocab", "make a deck from a YouTube link"),
    ("decks", "your decks"),
    ("quiz", "review your words"),
    ("stats", "your progress"),
    ("known", "never show me a word again"),
    ("settings", "your language and level"),
    ("export", "download a deck (Anki or CSV)"),
    ("cancel", "stop the video I'm working on, or the quiz"),
    ("help", "how this works"),
]

Context = ContextTypes.DEFAULT_TYPE


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
        self.app = app
        self.first_edit_delay = first_edit_delay
        self.store = app.store
        self.runner = app.runner
        self.edit_interval = edit_interval
        self.poll_timeout = poll_timeout
        builder = (
            ApplicationBuilder()
            .token(token)
            .rate_limiter(rate_limiter or RetryingRateLimiter())
            .concurrent_updates(True)
            .connect_timeout(10)
            .read_timeout(30)
            .write_timeout(30)
            .pool_timeout(10)
            .get_updates_read_timeout(poll_timeout + 10)
            .post_init(self._post_init)
        )
        if base_url:
            builder = builder.base_url(base_url).base_file_url(
                base_url.replace("/bot", "/file/bot")
            )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self._editors: dict[tuple[int, int], ThrottledEditor] = {}
        self._register()
        self.runner.notifiers[PLATFORM] = self.notify

    # -- lifecycle -------------------------------------------------------------------

    def _register(self) -> None:
        add = self.application.add_handler
        add(CommandHandler("start", self.cmd_start))
        add(CommandHandler("help", self.cmd_help))
        add(CommandHandler("vocab", self.cmd_vocab))
        add(CommandHandler("decks", self.cmd_decks))
        add(CommandHandler("known", self.cmd_known))
        add(CommandHandler("settings", self.cmd_settings))
        add(CommandHandler("export", self.cmd_export))
        add(CommandHandler("cancel", self.cmd_cancel))
        add(CommandHandler("quiz", self.cmd_quiz))
        add(CommandHandler("stats", self.cmd_stats))
        add(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        add(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, self.on_unknown_command))
        add(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT, self.on_other))
        add(CallbackQueryHandler(self.on_press))
        self.application.add_error_handler(self.on_error)

    async def _post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])

    async def start(self) -> None:
        await self.application.initialize()
        await self._post_init(self.application)
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            timeout=self.poll_timeout,
            allowed_updates=["message", "callback_query"],
            error_callback=self._polling_error,
        )
        me = self.application.bot
        log.info("Telegram bot @%s is polling", me.username)

    def _polling_error(self, exc: TelegramError) -> None:
        log.warning("Telegram polling: %s", exc)

    async def stop(self) -> None:
        for editor in self._editors.values():
            editor.cancel()
        self._editors.clear()
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # -- helpers ---------------------------------------------------------------------

    async def _user(self, update: Update) -> User:
        tg_user = update.effective_user
        assert tg_user is not None
        settings = self.app.settings
        return await self.store.get_or_create_user(
            PLATFORM,
            str(tg_user.id),
            learner_language=settings.default_learner_language,
            level=settings.default_level,
        )

    async def _reply(
        self, update: Update, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        message = update.effective_message
        if message is None:
            return None
        pieces = split_text(text)
        sent: Message | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            sent = await message.reply_text(
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                disable_web_page_preview=True,
            )
        return sent

    async def _edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> bool:
        try:
            await self.application.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
            return True
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            log.warning("edit %s/%s failed: %s", chat_id, message_id, exc)
            return False
        except RetryAfter as exc:
            log.info("edit %s/%s rate-limited (retry after %s)", chat_id, message_id, exc)
            return False
        except Forbidden as exc:
            log.info("chat %s blocked the bot: %s", chat_id, exc)
            return True

    async def _deck_view(
        self, user: User, info: DeckInfo, kind: CardKind, page: int
    ) -> tuple[str, InlineKeyboardMarkup]:
        cards = await self.store.deck_cards(user.id, info.id, kind)
        known = await self.store.known_words(user.id)
        return (
            page_html(info, cards, kind, page, known),
            page_keyboard(info, cards, kind, page, known),
        )

    # -- links -------------------------------------------------------------------------

    def _addressed_to_me(self, update: Update) -> bool:
        """Private chats: always. Groups: a mention, or a reply to one of my messages."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return False
        if chat.type == "private":
            return True
        username = self.application.bot.username
        if username and f"@{username}".lower() in (message.text or "").lower():
            return True
        replied = message.reply_to_message
        return bool(
            replied and replied.from_user and replied.from_user.id == self.application.bot.id
        )

    async def on_text(self, update: Update, context: Context) -> None:
        if not self._addressed_to_me(update):
            return
        text = update.effective_message.text if update.effective_message else ""
        video_id = find_video_id(text or "")
        if video_id is not None:
            await self._start_job(update, video_id)
            return
        user = await self._user(update)
        question = await self.app.quiz.current(user.id)
        if question is not None and question.kind == Kind.CLOZE:
            answer = await self.app.quiz.answer(user.id, question.id, text or "")
            await self._reply(update, answer_html(answer), rating_keyboard(answer))
            return
        log.info("not a video link from user %s", user.id)
        await self._reply(update, esc(texts.NOT_A_LINK))

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        await self._reply(update, "I don't know that command. /help lists what I can do.")

    async def on_other(self, update: Update, context: Context) -> None:
        """Stickers, photos, files...: say what works instead of staying silent."""
        await self._reply(update, esc(texts.NOT_A_LINK))

    async def cmd_vocab(self, update: Update, context: Context) -> None:
        argument = " ".join(context.args or [])
        video_id = find_video_id(argument)
        if video_id is None:
            await self._reply(update, "Usage: /vocab &lt;YouTube link&gt;")
            return
        await self._start_job(update, video_id)

    async def _start_job(self, update: Update, video_id: str) -> None:
        """The job's row first, then the immediate reply: a crash in between resumes the
        job (it then sends a message of its own), and the update Telegram delivers again
        after a crash is recognised by its chat and message id instead of making a twin."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        user = await self._user(update)
        asked_in = {"reply_to": message.message_id}
        target = Notify(PLATFORM, str(chat.id), None, asked_in)

        async def announce() -> Notify | None:
            reply = await self._reply(update, texts.WORKING)
            return None if reply is None else replace(target, message_id=str(reply.message_id))

        try:
            handle = await self.runner.submit(
                user,
                video_id,
                notify=target,
                source_key=f"{PLATFORM}:{chat.id}:{message.message_id}",
                announce=announce,
            )
        except errors.VocabotError as exc:
            log.info("job refused for user %s: %s", user.id, exc.code)
            await self._reply(update, esc(f"❌ {exc.user_message}"))
            return
        if handle.duplicate:
            log.info("message %s in chat %s came again: job %s", message.id, chat.id, handle.id)

    async def notify(self, target: Notify, update: JobUpdate) -> Notify | None:
        """The runner's notifier: keeps the job's message up to date.

        A job without a message yet (the process stopped between writing the job and
        learning its reply's id) gets a new one, answering the user's link; the runner
        is handed that message to edit from then on."""
        chat_id = int(target.chat_id)
        if target.message_id is None:
            message_id = await self._send_new(chat_id, target, update)
            return None if message_id is None else replace(target, message_id=str(message_id))
        message_id = int(target.message_id)
        key = (chat_id, message_id)
        editor = self._editors.get(key)
        if editor is None:

            async def send(text: str) -> None:
                await self._edit(chat_id, message_id, text)

            editor = ThrottledEditor(send, self.edit_interval, first_delay=self.first_edit_delay)
            self._editors[key] = editor
        if not update.finished:
            await editor.update(esc(texts.progress_text(update.progress)))
            return None
        self._editors.pop(key, None)

        async def final() -> None:
            if update.progress.stage == Stage.DONE and update.deck is not None:
                await self._show_result(chat_id, message_id, update)
            elif update.progress.stage == Stage.CANCELLED:
                await self._edit(chat_id, message_id, esc(texts.progress_text(update.progress)))
            else:
                await self._edit(chat_id, message_id, esc(texts.failure_text(update)))

        await editor.finish(final)
        return None

    async def _result_view(self, update: JobUpdate) -> tuple[str, InlineKeyboardMarkup] | None:
        info = update.deck
        assert info is not None
        user = await self.store.get_user(update.user_id)
        if user is None:
            return None
        kind: CardKind = "word" if info.words or not info.phrases else "phrase"
        return await self._deck_view(user, info, kind, 0)

    async def _show_result(self, chat_id: int, message_id: int, update: JobUpdate) -> None:
        view = await self._result_view(update)
        if view is None:
            return
        text, markup = view
        if not await self._edit(chat_id, message_id, text, markup):
            # The progress message is gone (deleted by the user): send the deck anew.
            await self.application.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )

    async def _send_new(self, chat_id: int, target: Notify, update: JobUpdate) -> int | None:
        """A new message for a job that has none: its progress, or how it ended."""
        markup: InlineKeyboardMarkup | None = None
        if update.progress.stage == Stage.DONE and update.deck is not None:
            view = await self._result_view(update)
            if view is None:
                return None
            text, markup = view
        elif update.progress.stage == Stage.FAILED:
            text = esc(texts.failure_text(update))
        else:
            text = esc(texts.progress_text(update.progress))
        reply_to = target.extra.get("reply_to")
        try:
            sent = await self.application.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
                reply_parameters=ReplyParameters(int(reply_to), allow_sending_without_reply=True)
                if reply_to
                else None,
            )
        except Forbidden as exc:
            log.info("chat %s blocked the bot: %s", chat_id, exc)
            return None
        return int(sent.message_id)

    # -- buttons -----------------------------------------------------------------------

    async def on_press(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        press = decode(query.data or "")
        if press is None:
            log.info(
                "stale or forged button data %r from %s",
                (query.data or "")[:64],
                query.from_user.id,
            )
            await query.answer(texts.EXPIRED, show_alert=True)
            return
        if press.action == NOOP:
            await query.answer()
            return
        user = await self._user(update)
        if press.action in ("sl", "sv"):
            await self._press_settings(update, user, press)
            return
        if press.action in ("qa", "qs", "qr"):
            await self._press_quiz(update, user, press)
            return
        info = await self.store.get_deck(user.id, press.deck_id)
        if info is None:
            log.info("user %s pressed a button of deck %s they don't own", user.id, press.deck_id)
            await query.answer(texts.NOT_YOURS, show_alert=True)
            return
        message = query.message
        if press.action in ("p", "d"):
            text, markup = await self._deck_view(user, info, press.kind, press.page)
            if isinstance(message, Message):
                await self._edit(message.chat_id, message.message_id, text, markup)
            await query.answer()
        elif press.action in ("k", "K"):
            await self._press_known(update, user, info, press)
        elif press.action == "x":
            await query.answer("Preparing your file…")
            await self._send_export(update, user, info, press.value)

    async def _press_known(self, update: Update, user: User, info: DeckInfo, press: Press) -> None:
        query = update.callback_query
        assert query is not None
        if press.action == "k":
            card = await self.store.get_card(user.id, press.card_id)
            if card is None or card.deck_id != info.id:
                await query.answer(texts.NOT_YOURS, show_alert=True)
                return
            await self.store.add_known_words(user.id, [card.key])
            kind: CardKind = card.kind
            note = f"✓ “{card.front}” is known: it leaves your quizzes and future decks."
        else:
            kind = press.kind
            cards = await self.store.deck_cards(user.id, info.id, kind)
            shown = page_of(cards, press.page)
            await self.store.add_known_words(user.id, [c.key for c in shown])
            note = f"✓ {len(shown)} marked as known."
        text, markup = await self._deck_view(user, info, kind, press.page)
        message = query.message
        if isinstance(message, Message):
            await self._edit(message.chat_id, message.message_id, text, markup)
        await query.answer(note)

    async def _send_export(self, update: Update, user: User, info: DeckInfo, fmt: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        cards = await self.store.deck_cards(user.id, info.id)
        name = (info.title or info.video_id or f"deck-{info.id}").replace("/", "-")[:60]
        if fmt == "csv":
            data, filename = csv_bytes(cards), f"{name}.csv"
        else:
            data = await apkg_bytes(cards, deck_name=f"vocabot::{name}", owner=str(user.id))
            filename = f"{name}.apkg"
        await self.application.bot.send_document(
            chat.id, document=data, filename=filename, caption=f"{len(cards)} cards"
        )

    async def _press_settings(self, update: Update, user: User, press: Press) -> None:
        query = update.callback_query
        assert query is not None
        if press.action == "sl" and press.value in texts.LEARNER_LANGUAGES:
            user = await self.store.update_user(user.id, learner_language=press.value)
        elif press.action == "sv" and press.value in texts.LEVEL_NAMES:
            user = await self.store.update_user(user.id, level=press.value)
        else:
            await query.answer(texts.EXPIRED, show_alert=True)
            return
        message = query.message
        if isinstance(message, Message):
            await self._edit(
                message.chat_id,
                message.message_id,
                texts.settings_text(user.learner_language, user.level),
                settings_keyboard(user.learner_language, user.level),
            )
        await query.answer("Saved ✓")

    # -- quiz --------------------------------------------------------------------------

    async def _question_view(self, user: User) -> tuple[str, InlineKeyboardMarkup | None]:
        question = await self.app.quiz.next_question(user.id)
        if question is not None:
            return question_html(question), question_keyboard(question)
        if not await self.store.user_cards(user.id):
            return esc(texts.NO_CARDS), None
        stats = await self.app.quiz.stats(user.id)
        return esc(f"{texts.NOTHING_DUE}\n\n{texts.stats_text(stats)}"), None

    async def cmd_quiz(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        text, markup = await self._question_view(user)
        await self._reply(update, text, markup)

    async def cmd_stats(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        await self._reply(update, esc(texts.stats_text(await self.app.quiz.stats(user.id))))

    async def _press_quiz(self, update: Update, user: User, press: Press) -> None:
        query = update.callback_query
        assert query is not None
        message = query.message
        quiz = self.app.quiz
        try:
            if press.action == "qr":
                rated = await quiz.rate(user.id, press.value, press.page)
                if rated.duplicate:
                    await query.answer("Already saved ✓")
                    return
                text, markup = await self._question_view(user)
                note = f"Next review: {texts.when(rated.due)}"
            else:
                given = str(press.page) if press.action == "qa" else ""
                answer = await quiz.answer(user.id, press.value, given)
                text, markup = answer_html(answer), rating_keyboard(answer)
                note = "" if not answer.duplicate else "Already answered"
        except QuestionExpired as exc:
            await query.answer(exc.user_message, show_alert=True)
            return
        if isinstance(message, Message):
            await self._edit(message.chat_id, message.message_id, text, markup)
        await query.answer(note)

    # -- commands ----------------------------------------------------------------------

    async def cmd_start(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        await self._reply(
            update,
            esc(texts.START),
            settings_keyboard(user.learner_language, user.level),
        )

    async def cmd_help(self, update: Update, context: Context) -> None:
        await self._reply(update, texts.HELP)

    async def cmd_settings(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        await self._reply(
            update,
            texts.settings_text(user.learner_language, user.level),
            settings_keyboard(user.learner_language, user.level),
        )

    async def cmd_decks(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        decks = await self.store.list_decks(user.id)
        if not decks:
            await self._reply(update, esc(texts.NO_DECKS))
            return
        await self._reply(update, f"📚 Your decks ({len(decks)}):", decks_keyboard(decks))

    async def cmd_known(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        words = [w for w in (context.args or []) if w.strip()]
        if not words:
            known = sorted(await self.store.known_words(user.id))
            listing = ", ".join(known) if known else "none yet"
            await self._reply(
                update,
                esc(f"Usage: /known word [word …]\nWords you know ({len(known)}): {listing}"),
            )
            return
        added = await self.store.add_known_words(user.id, words)
        shown = ", ".join(f"“{w.lower()}”" for w in words)
        await self._reply(
            update,
            esc(f"✓ Got it: I'll skip {shown} from now on ({added} new)."),
        )

    async def cmd_export(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        decks = await self.store.list_decks(user.id)
        if not decks:
            await self._reply(update, esc(texts.NO_DECKS))
            return
        latest = decks[0]
        markup = export_keyboard(latest.id)
        title = esc(latest.title or latest.video_id or "your latest deck")
        await self._reply(update, f"Export <b>{title}</b> as:", markup)

    async def cmd_cancel(self, update: Update, context: Context) -> None:
        user = await self._user(update)
        count = await self.runner.cancel(user.id)
        ended = await self.app.quiz.end(user.id)
        await self._reply(update, esc(texts.cancel_text(count, ended)))

    # -- errors ------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        log.error("unhandled error in a Telegram handler", exc_info=context.error)
        query = update.callback_query if isinstance(update, Update) else None
        if query is not None:  # a press must be answered, or its button spins on
            try:
                await query.answer(texts.INTERNAL_ERROR, show_alert=True)
                return
            except TelegramError:
                log.warning("could not answer press %s after an error", query.id)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await self.application.bot.send_message(
                    update.effective_chat.id, texts.INTERNAL_ERROR
                )
            except TelegramError:
                log.warning("could not tell chat %s about the error", update.effective_chat.id)
