"""Links (and typed quiz answers) in Telegram, and the job's one message.

A link gets the job's row first, then the immediate reply: a crash in between resumes the
job (which then sends a message of its own), and an update Telegram delivers again after a
crash is recognised by its chat and message id instead of making a twin. That reply is then
edited with progress (throttled) and finally becomes page 1 of the deck.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypedDict

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot import texts
from bot.telegram.context import PLATFORM, Context, TelegramState, edit, learner_tr, reply, services
from bot.telegram.habit import ask_after_first_deck
from bot.telegram.keyboards import page_keyboard, rating_keyboard
from bot.telegram.render import answer_html, building_page_html, esc, page_html, split_html
from bot.telegram.study import mini_app_url, with_study_button
from bot.throttle import ThrottledEditor
from core import (
    DEFAULT_LANGUAGE,
    Announce,
    JobHandle,
    JobUpdate,
    Kind,
    Notify,
    Stage,
    TranscriptFileTooBig,
    Translator,
    User,
    VocabotError,
    error_message,
    find_video_id,
    translator,
)

log = logging.getLogger(__name__)


def addressed_to_me(update: Update, context: Context) -> bool:
    """Private chats: always. Groups: a mention, or a reply to one of my messages."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return False
    if chat.type == "private":
        return True
    bot = context.bot
    if bot.username and f"@{bot.username}".lower() in (message.text or "").lower():
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)


async def on_text(update: Update, context: Context) -> None:
    if not addressed_to_me(update, context):
        return
    text = (update.effective_message.text if update.effective_message else "") or ""
    video_id = find_video_id(text)
    if video_id is not None:
        await start_job(update, context, video_id)
        return
    user, tr = await learner_tr(update, context)
    actions = services(context).actions
    question = await actions.quiz.current(user)
    if question is not None and question.kind == Kind.CLOZE:
        answer = await actions.quiz.answer(user, question.id, text)
        await reply(update, answer_html(tr, answer), rating_keyboard(tr, answer))
        return
    log.info("not a video link from user %s", user.id)
    await reply(update, esc(tr(texts.NOT_A_LINK)))


async def cmd_vocab(update: Update, context: Context) -> None:
    video_id = find_video_id(" ".join(context.args or []))
    if video_id is None:
        _, tr = await learner_tr(update, context)
        await reply(update, esc(tr("Usage: /vocab <YouTube link>")))
        return
    await start_job(update, context, video_id)


async def start_job(update: Update, context: Context, video_id: str) -> None:
    async def submit(user: User, job: JobStart) -> JobHandle:
        return await services(context).actions.builds.submit(user, video_id, **job)

    await _start(update, context, submit)


async def on_document(update: Update, context: Context) -> None:
    """A subtitle file sent in the chat (its caption may hold the video's link): a deck like
    a link's, or one clear sentence why not. Too big is refused before it is downloaded."""
    message = update.effective_message
    document = message.document if message else None
    if message is None or document is None or not addressed_to_me(update, context):
        return
    limit = services(context).actions.builds.upload_max_bytes
    if document.file_size and document.file_size > limit:
        _, tr = await learner_tr(update, context)
        too_big = TranscriptFileTooBig(document.file_size, limit)
        log.info("a %d-byte file refused before download", document.file_size)
        await reply(update, esc(f"❌ {error_message(too_big, tr)}"))
        return
    name = document.file_name or "subtitles.txt"

    async def submit(user: User, job: JobStart) -> JobHandle:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        hint = message.caption or ""
        return await services(context).actions.builds.submit_file(
            user, data, name, hint=hint, **job
        )

    await _start(update, context, submit)


class JobStart(TypedDict):
    notify: Notify
    source_key: str
    announce: Announce


async def _start(
    update: Update, context: Context, submit: Callable[[User, JobStart], Awaitable[JobHandle]]
) -> None:
    """The job's row first, then the immediate reply (see the module's docstring)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    user, tr = await learner_tr(update, context)
    target = Notify(PLATFORM, str(chat.id), None, {"reply_to": message.message_id})

    async def announce() -> Notify | None:
        sent = await reply(update, esc(tr(texts.WORKING)))
        return None if sent is None else replace(target, message_id=str(sent.message_id))

    job = JobStart(
        notify=target,
        source_key=f"{PLATFORM}:{chat.id}:{message.message_id}",
        announce=announce,
    )
    try:
        handle = await submit(user, job)
    except VocabotError as exc:
        log.info("job refused for user %s: %s", user.id, exc.code)
        await reply(update, esc(f"❌ {error_message(exc, tr)}"))
        return
    if handle.duplicate:
        log.info("message %s in chat %s came again: job %s", message.id, chat.id, handle.id)


class Notifier:
    """The runner's notifier for Telegram: keeps each job's message up to date."""

    def __init__(self, services: TelegramState, bot: Bot) -> None:
        self.services = services
        self.bot = bot

    async def __call__(self, target: Notify, update: JobUpdate) -> Notify | None:
        """A job without a message yet (the process stopped between writing the job and
        learning its reply's id) gets a new one, answering the user's link; the runner is
        handed that message to edit from then on."""
        chat_id = int(target.chat_id)
        tr = await self._tr(update.user_id)
        if target.message_id is None:
            sent = await self._send_new(tr, chat_id, target, update)
            return None if sent is None else replace(target, message_id=str(sent))
        message_id = int(target.message_id)
        editor = self._editor(chat_id, message_id)
        if not update.finished:
            await editor.update(_progress_html(tr, update))
            return None
        self.services.editors.pop((chat_id, message_id), None)

        async def final() -> None:
            text, markup = await self._final_view(tr, update)
            # Asked below the progress message before it becomes the deck: in the chat it
            # follows the deck, and once the deck shows, the question is there too.
            await self._ask_reminder(chat_id, update)
            if not await edit(self.bot, chat_id, message_id, text, markup) and markup:
                # The progress message is gone (deleted by the user): send the deck anew.
                await self._send(chat_id, text, markup, None)

        await editor.finish(final)
        return None

    def _editor(self, chat_id: int, message_id: int) -> ThrottledEditor:
        key = (chat_id, message_id)
        editor = self.services.editors.get(key)
        if editor is None:

            async def send(text: str) -> None:
                await edit(self.bot, chat_id, message_id, text)

            editor = ThrottledEditor(
                send, self.services.edit_interval, first_delay=self.services.first_edit_delay
            )
            self.services.editors[key] = editor
        return editor

    async def _ask_reminder(self, chat_id: int, update: JobUpdate) -> None:
        """After a learner's first deck: remind me daily? (asked once)."""
        if update.progress.stage != Stage.DONE or update.deck is None:
            return
        user = await self.services.actions.learners.by_id(update.user_id)
        if user is not None and str(chat_id) == user.platform_user_id:  # their own chat only
            await ask_after_first_deck(self.services.actions, self.bot, chat_id, user)

    async def _tr(self, user_id: int) -> Translator:
        user = await self.services.actions.learners.by_id(user_id)
        return translator(user.ui_language if user else DEFAULT_LANGUAGE)

    async def _final_view(
        self, tr: Translator, update: JobUpdate
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """How a job ended: page 1 of its deck, or what went wrong, or its progress."""
        if update.progress.stage == Stage.DONE and update.deck is not None:
            user = await self.services.actions.learners.by_id(update.user_id)
            if user is not None:
                page = await self.services.actions.decks.page(user, update.deck.id)
                study = mini_app_url(self.services.app.settings, f"decks/{page.deck.id}")
                return page_html(tr, page), with_study_button(page_keyboard(tr, page), tr, study)
        if update.progress.stage == Stage.FAILED:
            return esc(texts.failure_text(tr, update)), None
        return _progress_html(tr, update), None

    async def _send_new(
        self, tr: Translator, chat_id: int, target: Notify, update: JobUpdate
    ) -> int | None:
        """A new message for a job that has none: its progress, or how it ended."""
        text, markup = await self._final_view(tr, update)
        return await self._send(chat_id, text, markup, target.extra.get("reply_to"))

    async def _send(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, reply_to: object
    ) -> int | None:
        parameters = (
            ReplyParameters(int(str(reply_to)), allow_sending_without_reply=True)
            if reply_to
            else None
        )
        try:
            sent = await self.bot.send_message(
                chat_id,
                split_html(text)[0],  # one message: a well-formed piece under the limit
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
                reply_parameters=parameters,
            )
        except Forbidden as exc:
            log.info("chat %s blocked the bot: %s", chat_id, exc)
            return None
        return int(sent.message_id)


def _progress_html(tr: Translator, update: JobUpdate) -> str:
    """A job still building: the first page of its deck once a chunk answered, else its
    progress line."""
    if update.progress.page:
        return building_page_html(tr, update.progress)
    return esc(texts.progress_text(tr, update.progress))
