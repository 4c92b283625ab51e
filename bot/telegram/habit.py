"""Telegram's part of the daily habit: /remind and its buttons, the reminder itself (Start,
Study, Stop reminders), "learn 10 more", and the question after a learner's first deck."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import habit_texts
from bot.telegram.callback_data import encode
from bot.telegram.context import Context, learner_tr, reply, services
from bot.telegram.render import esc
from bot.telegram.study import mini_app_url, with_study_button
from core import (
    Actions,
    BadReminder,
    Delivery,
    ReminderNote,
    Settings,
    Translator,
    User,
    error_message,
    translator,
)

log = logging.getLogger(__name__)
Button = InlineKeyboardButton


def remind_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    presets = [
        Button(tr(label), callback_data=encode("rm", name)) for name, label in habit_texts.CHOICES
    ]
    return InlineKeyboardMarkup([presets[:2], presets[2:]])


def stop_keyboard(tr: Translator) -> list[InlineKeyboardButton]:
    return [Button(tr(habit_texts.STOP_REMINDERS), callback_data=encode("rm", "off"))]


def learn_more_row(tr: Translator, n: int) -> list[InlineKeyboardButton]:
    return [Button(habit_texts.learn_more_button(tr, n), callback_data=encode("lm"))]


async def cmd_remind(update: Update, context: Context) -> None:
    """/remind: the setting and the choices; `/remind 07:30 Asia/Seoul` or `/remind off`
    by text. A time or zone it cannot read gets one sentence and the choices again."""
    user, tr = await learner_tr(update, context)
    actions = services(context).actions
    typed = " ".join(context.args or [])
    if typed:
        try:
            setting = await actions.habits.set_reminder(user, typed)
        except BadReminder as exc:
            log.info("user %s: /remind refused: %s", user.id, exc.detail)
            await reply(update, esc(error_message(exc, tr)), remind_keyboard(tr))
            return
        await reply(update, esc(habit_texts.remind_status(tr, setting)))
        return
    setting = await actions.habits.reminder(user)
    text = f"{habit_texts.remind_status(tr, setting)}\n\n{tr(habit_texts.REMIND_USAGE)}"
    await reply(update, esc(text), remind_keyboard(tr))


async def ask_after_first_deck(actions: Actions, bot: Bot, chat_id: int, user: User) -> None:
    """After the learner's first deck, once: remind me daily? at what time?"""
    if not await actions.habits.asked_reminder(user):
        return
    tr = translator(user.ui_language)
    try:
        await bot.send_message(
            chat_id, tr(habit_texts.REMIND_ASK), reply_markup=remind_keyboard(tr)
        )
    except TelegramError as exc:
        log.info("could not ask user %s about reminders: %s", user.id, exc)


class ReminderSender:
    """Sends one learner their reminder: Start (the quiz), Study (the Mini App, when
    WEB_APP_URL is set) and Stop reminders. Telegram's 403 (blocked) is BLOCKED."""

    def __init__(self, bot: Bot, settings: Settings) -> None:
        self.bot = bot
        self.settings = settings

    async def __call__(self, note: ReminderNote) -> Delivery:
        tr = translator(note.user.ui_language)
        rows = [[Button(tr(habit_texts.START), callback_data=encode("qn"))], stop_keyboard(tr)]
        markup = with_study_button(
            InlineKeyboardMarkup(rows), tr, mini_app_url(self.settings, "review")
        )
        try:
            await self.bot.send_message(
                int(note.user.platform_user_id),
                esc(habit_texts.reminder_text(tr, note.habit)),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        except Forbidden as exc:
            log.info("reminder to user %s refused: %s", note.user.id, exc)
            return Delivery.BLOCKED
        except BadRequest as exc:  # the chat is gone
            log.info("reminder to user %s refused: %s", note.user.id, exc)
            return Delivery.BLOCKED if "chat not found" in str(exc).lower() else Delivery.FAILED
        except TelegramError as exc:
            log.warning("reminder to user %s not delivered: %s", note.user.id, exc)
            return Delivery.FAILED
        return Delivery.SENT
