"""Telegram commands, and what the bot says to anything else it is sent."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import habit_texts, texts
from bot.settings_args import USAGE, parse_settings
from bot.telegram.callback_data import encode
from bot.telegram.context import Context, learner_tr, reply, services
from bot.telegram.keyboards import (
    decks_keyboard,
    export_keyboard,
    question_keyboard,
    settings_keyboard,
)
from bot.telegram.render import esc, help_html, question_html, settings_html, stats_html
from bot.telegram.study import mini_app_url, with_study_button
from core import (
    N_,
    BadSetting,
    QuizTurn,
    Translator,
    User,
    VocabotError,
    error_message,
    translator,
)

log = logging.getLogger(__name__)

# The command menu, as each interface language shows it (setMyCommands per language_code).
COMMANDS = [
    ("vocab", N_("make a deck from a YouTube link")),
    ("decks", N_("your decks")),
    ("quiz", N_("review your words")),
    ("stats", N_("your progress")),
    ("remind", N_("a daily reminder to review")),
    ("known", N_("never show me a word again")),
    ("settings", N_("languages and level")),
    ("export", N_("download a deck (Anki or CSV)")),
    ("cancel", N_("stop the video I'm working on, or the quiz")),
    ("web", N_("study in the browser (a sign-in link)")),
    ("privacy", N_("what I keep about you, and why")),
    ("forget", N_("delete everything I keep about you")),
    ("help", N_("how this works")),
]


def settings_view(tr: Translator, user: User, size: int) -> tuple[str, InlineKeyboardMarkup]:
    """/settings: the learner's settings and their buttons; `size` is their deck size."""
    return (
        settings_html(tr, user.learner_language, user.level, user.ui_language, size),
        settings_keyboard(user.learner_language, user.level, user.ui_language, size),
    )


async def cmd_start(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    keyboard = settings_keyboard(user.learner_language, user.level, user.ui_language)
    await reply(update, esc(tr(texts.START)), keyboard)


async def cmd_help(update: Update, context: Context) -> None:
    _, tr = await learner_tr(update, context)
    await reply(update, help_html(tr))


async def cmd_settings(update: Update, context: Context) -> None:
    """/settings shows the buttons; `/settings level toeic 650`, `/settings size 20`, ...
    change one setting by text (bot/settings_args.py)."""
    user, tr = await learner_tr(update, context)
    actions = services(context).actions
    change = parse_settings(" ".join(context.args or []))
    if change is None:
        await reply(update, esc(tr(USAGE)))
        return
    if not change.empty:
        try:
            user = await actions.learners.update_settings(
                user,
                learner_language=change.learner_language,
                level=change.level,
                interface_language=change.interface_language,
                deck_size=change.deck_size,
            )
        except BadSetting as exc:
            log.info("user %s: /settings refused: %s", user.id, exc.detail)
            await reply(update, esc(error_message(exc, tr)))
            return
        tr = translator(user.ui_language)
    await reply(update, *settings_view(tr, user, actions.learners.deck_size(user)))


async def cmd_decks(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    decks = await services(context).actions.decks.all(user)
    if not decks:
        await reply(update, esc(tr(texts.NO_DECKS)))
        return
    await reply(update, esc(texts.decks_title(tr, len(decks))), decks_keyboard(tr, decks))


async def cmd_known(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    actions = services(context).actions
    words = [w for w in (context.args or []) if w.strip()]
    if not words:
        known = await actions.known.words(user)
        usage = tr(
            "Usage: /known word [word …]\nWords you know ({count}): {words}",
            count=len(known),
            words=", ".join(known) if known else tr("none yet"),
        )
        await reply(update, esc(usage))
        return
    result = await actions.known.mark(user, words)
    await reply(update, esc(texts.known_text(tr, result.words, result.added)))


async def cmd_export(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    decks = await services(context).actions.decks.all(user)
    if not decks:
        await reply(update, esc(tr(texts.NO_DECKS)))
        return
    latest = decks[0]
    title = latest.title or latest.video_id or tr("your latest deck")
    text = esc(tr("Export “{title}” as:", title=title))
    await reply(update, text, export_keyboard(latest.id))


async def cmd_cancel(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    cancelled = await services(context).actions.builds.cancel(user)
    await reply(update, esc(texts.cancel_text(tr, cancelled.videos, cancelled.quiz_ended)))


def button(label: str, *data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(*data))


def turn_view(tr: Translator, turn: QuizTurn) -> tuple[str, InlineKeyboardMarkup | None]:
    """A quiz turn as a message: the question, or why there is none."""
    if turn.question is not None:
        return question_html(tr, turn.question), question_keyboard(tr, turn.question)
    if turn.no_cards:
        return esc(tr(texts.NO_CARDS)), None
    if turn.habit is not None:  # today's cards are done: the goal, and "learn 10 more"
        more = turn.habit.more_new
        markup = (
            InlineKeyboardMarkup([[button(habit_texts.learn_more_button(tr, more), "lm")]])
            if more
            else None
        )
        return esc(habit_texts.quiz_end_text(tr, turn.habit)), markup
    text = tr(texts.NOTHING_DUE)
    if turn.stats is not None:
        text += f"\n\n{texts.stats_text(tr, turn.stats)}"
    return esc(text), None


async def cmd_quiz(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    found = services(context)
    text, markup = turn_view(tr, await found.actions.quiz.next(user))
    await reply(
        update, text, with_study_button(markup, tr, mini_app_url(found.app.settings, "review"))
    )


async def cmd_stats(update: Update, context: Context) -> None:
    user, tr = await learner_tr(update, context)
    actions = services(context).actions
    stats, habit = await actions.quiz.stats(user), await actions.habits.today(user)
    await reply(update, f"{stats_html(tr, stats)}\n{esc(habit_texts.streak_line(tr, habit))}")


async def on_unknown_command(update: Update, context: Context) -> None:
    _, tr = await learner_tr(update, context)
    await reply(update, esc(tr(texts.UNKNOWN_COMMAND)))


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos...: say what works instead of staying silent."""
    _, tr = await learner_tr(update, context)
    await reply(update, esc(tr(texts.NOT_A_LINK)))


async def on_error(update: object, context: Context) -> None:
    """Tell the user what went wrong in one sentence (theirs, or that it was ours)."""
    error = context.error
    if isinstance(error, VocabotError):
        log.info("a Telegram handler stopped: %s (%s)", error.code, error.detail)
    else:
        log.error("unhandled error in a Telegram handler", exc_info=error)
    tr = translator("en")
    if isinstance(update, Update) and update.effective_user is not None:
        tr = translator(update.effective_user.language_code or "en")
    said = error_message(error, tr) if error is not None else tr(texts.INTERNAL_ERROR)
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
