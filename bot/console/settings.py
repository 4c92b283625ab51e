"""/settings in the console chat: `ja B2`, `level toeic 650`, `size 20`, `ui ko`
(bot/settings_args.py), answered with the learner's settings on one line."""

from __future__ import annotations

import logging

from rich.markup import escape

from bot import texts
from bot.console.part import ChatPart
from bot.settings_args import USAGE, parse_settings
from core import LEARNER_LANGUAGES, BadSetting, User, error_message

log = logging.getLogger(__name__)


class SettingsChat(ChatPart):
    """The /settings part of ConsoleChat."""

    user: User | None

    async def _settings(self, rest: str) -> None:
        change = parse_settings(rest)
        if change is None:
            usage = self.tr(
                "Usage: /settings [{languages}] [A1..C2], or /settings ui en|ko",
                languages="|".join(LEARNER_LANGUAGES),
            )
            self.tell(f"{usage}\n{self.tr(USAGE)}")
            return
        if not change.empty:
            try:
                self.user = await self.actions.learners.update_settings(
                    self.me,
                    learner_language=change.learner_language,
                    level=change.level,
                    interface_language=change.interface_language,
                    deck_size=change.deck_size,
                )
            except BadSetting as exc:  # one sentence with the accepted forms
                log.info("console /settings refused: %s", exc.detail)
                self.tell(error_message(exc, self.tr))
                return
        me = self.me
        pairs, _ = texts.settings_lines(
            self.tr,
            me.learner_language,
            me.level,
            me.ui_language,
            self.actions.learners.deck_size(me),
        )
        self.say(" · ".join(f"{escape(label)}: [bold]{escape(value)}[/]" for label, value in pairs))
