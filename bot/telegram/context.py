"""What every Telegram handler shares: the services in bot_data, the learner, reply, edit.

Handlers are small module functions (PTB's way); the adapter puts one `TelegramState` in
`application.bot_data`, and `services(context)` hands it back typed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import ContextTypes

from bot.app import App
from bot.telegram.render import split_html
from bot.throttle import ThrottledEditor
from core import Actions, Translator, User, translator

log = logging.getLogger(__name__)

PLATFORM = "telegram"
Context = ContextTypes.DEFAULT_TYPE
SERVICES = "vocabot"


@dataclass
class TelegramState:
    """The Telegram face's own state: the app, and the throttled editors of its messages
    (not the HTTP face's `bot.http.deps.Services`, which is unrelated)."""

    app: App
    edit_interval: float = 1.5
    first_edit_delay: float = 0.5
    editors: dict[tuple[int, int], ThrottledEditor] = field(default_factory=dict)

    @property
    def actions(self) -> Actions:
        return self.app.actions


def services(context: Context) -> TelegramState:
    found = context.bot_data.get(SERVICES)
    assert isinstance(found, TelegramState), "the adapter puts the services in bot_data"
    return found


async def learner(update: Update, context: Context) -> User:
    """The learner who sent the update (their client's language noted, for the bot's)."""
    tg_user = update.effective_user
    assert tg_user is not None
    return await services(context).actions.learners.user(
        PLATFORM, tg_user.id, client_language=tg_user.language_code
    )


async def learner_tr(update: Update, context: Context) -> tuple[User, Translator]:
    """The learner, and the bot's words in their interface language."""
    user = await learner(update, context)
    return user, translator(user.ui_language)


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer the update's message (HTML), split under Telegram's length limit."""
    message = update.effective_message
    if message is None:
        return None
    pieces = split_html(text)
    sent: Message | None = None
    for i, piece in enumerate(pieces):
        sent = await message.reply_text(
            piece,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if i == len(pieces) - 1 else None,
            disable_web_page_preview=True,
        )
    return sent


async def edit(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Edit a message; False when it can't be (gone, rate-limited), True if unchanged.
    A text past Telegram's limit keeps its first well-formed piece (one message)."""
    try:
        await bot.edit_message_text(
            split_html(text)[0],
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


async def edit_pressed(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message whose button was pressed."""
    message = query.message
    if isinstance(message, Message):
        await edit(query.get_bot(), message.chat_id, message.message_id, text, markup)
