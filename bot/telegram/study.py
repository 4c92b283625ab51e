"""The study page from Telegram: /web's sign-in link, and the "Study" Mini App button.

With WEB_APP_URL (public HTTPS) set, deck pages and /quiz carry a button that opens the
study page as a Mini App (WebAppInfo); Telegram then hands the page signed initData, which
serve-api validates (bot/http/study/telegram.py), so no link is needed inside Telegram.
"""

from __future__ import annotations

from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo

from bot import texts
from bot.telegram.context import Context, learner_tr, reply, services
from bot.telegram.render import esc
from core import STUDY_PATH, Settings, Translator


def mini_app_url(settings: Settings, page: str) -> str | None:
    """The Mini App's address that opens `page` (a path under /study/), if it is set up."""
    if not settings.web_app_url:
        return None
    target = quote(f"{STUDY_PATH}/{page}", safe="/")
    return f"{settings.web_app_url.rstrip('/')}{STUDY_PATH}/tg?next={target}"


def with_study_button(
    markup: InlineKeyboardMarkup | None, tr: Translator, url: str | None
) -> InlineKeyboardMarkup | None:
    """`markup` with a last row that opens the study page as a Mini App (when `url`)."""
    if url is None:
        return markup
    row = (InlineKeyboardButton(tr(texts.STUDY), web_app=WebAppInfo(url)),)
    return InlineKeyboardMarkup((*(markup.inline_keyboard if markup else ()), row))


async def cmd_web(update: Update, context: Context) -> None:
    """A personal sign-in link to the study page (single-use, short-lived)."""
    user, tr = await learner_tr(update, context)
    app = services(context).app
    link = await app.actions.study.sign_in_link(user)
    markup = with_study_button(None, tr, mini_app_url(app.settings, ""))
    await reply(update, esc(texts.web_link_text(tr, link.minutes, link.url)), markup)
