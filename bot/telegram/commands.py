"""Telegram commands, and what the bot says to anything else it is sent."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import texts
from bot.telegram.context import Context, learner, reply, services
from bot.telegram.keyboards import (
    decks_keyboard,
    export_keyboard,
    question_keyboard,
    settings_keyboard,
)
from bot.telegram.render import decks_html, esc, help_html, question_html, settings_html, stats_html
from core import errors
from core.actions import QuizTurn, sentence

log = logging.getLogger(__name__)

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


async def cmd_start(update: Update, context: Context) -> None:
    user = await learner(update, context)
    await reply(update, esc(texts.START), settings_keyboard(user.learner_language, user.level))


async def cmd_help(update: Update, context: Context) -> None:
    await reply(update, help_html())


async def cmd_settings(update: Update, context: Context) -> None:
    user = await learner(update, context)
    await reply(
        update,
        settings_html(user.learner_language, user.level),
        settings_keyboard(user.learner_language, user.level),
    )


async def cmd_decks(update: Update, context: Context) -> None:
    user = await learner(update, context)
    decks = await services(context).actions.decks(user)
    if not decks:
        await reply(update, esc(texts.NO_DECKS))
        return
    await reply(update, decks_html(decks), decks_keyboard(decks))


async def cmd_known(update: Update, context: Context) -> None:
    user = await learner(update, context)
    actions = services(context).actions
    words = [w for w in (context.args or []) if w.strip()]
    if not words:
        known = await actions.known_words(user)
        listing = ", ".join(known) if known else "none yet"
        usage = f"Usage: /known word [word …]\nWords you know ({len(known)}): {listing}"
        await reply(update, esc(usage))
        return
    result = await actions.mark_known(user, words)
    shown = ", ".join(f"“{w}”" for w in result.words)
    await reply(update, esc(f"✓ Got it: I'll skip {shown} from now on ({result.added} new)."))


async def cmd_export(update: Update, context: Context) -> None:
    user = await learner(update, context)
    decks = await services(context).actions.decks(user)
    if not decks:
        await reply(update, esc(texts.NO_DECKS))
        return
    latest = decks[0]
    title = esc(latest.title or latest.video_id or "your latest deck")
    await reply(update, f"Export <b>{title}</b> as:", export_keyboard(latest.id))


async def cmd_cancel(update: Update, context: Context) -> None:
    user = await learner(update, context)
    cancelled = await services(context).actions.cancel(user)
    await reply(update, esc(texts.cancel_text(cancelled.videos, cancelled.quiz_ended)))


def turn_view(turn: QuizTurn) -> tuple[str, InlineKeyboardMarkup | None]:
    """A quiz turn as a message: the question, or why there is none."""
    if turn.question is not None:
        return question_html(turn.question), question_keyboard(turn.question)
    if turn.no_cards:
        return esc(texts.NO_CARDS), None
    text = texts.NOTHING_DUE
    if turn.stats is not None:
        text += f"\n\n{texts.stats_text(turn.stats)}"
    return esc(text), None


async def cmd_quiz(update: Update, context: Context) -> None:
    user = await learner(update, context)
    await reply(update, *turn_view(await services(context).actions.quiz_next(user)))


async def cmd_stats(update: Update, context: Context) -> None:
    user = await learner(update, context)
    await reply(update, stats_html(await services(context).actions.stats(user)))


async def on_unknown_command(update: Update, context: Context) -> None:
    await reply(update, "I don't know that command. /help lists what I can do.")


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos, files...: say what works instead of staying silent."""
    await reply(update, esc(texts.NOT_A_LINK))


async def on_error(update: object, context: Context) -> None:
    """Tell the user what went wrong in one sentence (theirs, or that it was ours)."""
    error = context.error
    if isinstance(error, errors.VocabotError):
        log.info("a Telegram handler stopped: %s (%s)", error.code, error.detail)
    else:
        log.error("unhandled error in a Telegram handler", exc_info=error)
    said = sentence(error) if error is not None else texts.INTERNAL_ERROR
    query = update.callback_query if isinstance(update, Update) else None
    if query is not None:  # a press must be answered, or its button spins on
        try:
            await query.answer(said[:200], show_alert=True)
            return
        except TelegramError:
            log.warning("could not answer press %s after an error", query.id)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, said)
        except TelegramError:
            log.warning("could not tell chat %s about the error", update.effective_chat.id)
