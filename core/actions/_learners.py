"""The learner behind an account: found or made, their settings, their API keys, and their
right to leave (/forget)."""

from __future__ import annotations

import getpass
import logging
from dataclasses import replace
from datetime import UTC, datetime

from core import errors
from core.actions._parts import Part, Shared
from core.actions._rules import check_deck_size, check_settings
from core.actions._values import LOCAL_PLATFORM
from core.api_keys import new_api_key
from core.i18n import INTERFACE_LANGUAGES, Translator, translator
from core.models import shown_counts
from core.store import DeckInfo, User

log = logging.getLogger(__name__)

API_PLATFORM = "api"  # the owners of HTTP API keys (`vocabot api-key NAME`)


class Learners(Part):
    def __init__(
        self,
        shared: Shared,
        *,
        default_learner_language: str = "ko",
        default_level: str = "B1",
        deck_size: int,
    ) -> None:
        super().__init__(shared)
        self.default_learner_language = default_learner_language
        self.default_level = default_level
        self.default_deck_size = deck_size  # DECK_SIZE, for learners who did not pick one

    async def user(
        self, platform: str, platform_user_id: str | int, *, client_language: str | None = None
    ) -> User:
        """The learner behind a platform account, created with the defaults on first sight.

        `client_language` is the language their chat client says it uses (it decides the
        bot's language until they pick one); it is written only when it changed."""
        user = await self._store.get_or_create_user(
            platform,
            str(platform_user_id),
            learner_language=self.default_learner_language,
            level=self.default_level,
        )
        if client_language and client_language != user.client_language:
            user = await self._store.update_user(user.id, client_language=client_language)
        return await self.seen(user)

    async def local(self, *, client_language: str | None = None) -> User:
        """The learner at this terminal: the console chat and the CLI share their decks."""
        return await self.user(
            LOCAL_PLATFORM, getpass.getuser() or "local", client_language=client_language
        )

    async def by_id(self, user_id: int) -> User | None:
        """The learner a job or a message belongs to (None: they used /forget since)."""
        return await self._store.get_user(user_id)

    async def seen(self, user: User) -> User:
        """Note once a day that this learner talked to the bot (daily active users, and
        whom a broadcast reaches)."""
        now = datetime.now(UTC)
        if user.last_seen is not None and user.last_seen.date() == now.date():
            return user
        await self._store.mark_seen(user.id, now)
        midnight = datetime.combine(now.date(), datetime.min.time(), UTC)
        self._metrics.set_active_users(now.date(), await self._store.count_active_users(midnight))
        return replace(user, last_seen=now)

    @staticmethod
    def translator(user: User) -> Translator:
        """The bot's words in this learner's interface language."""
        return translator(user.ui_language)

    # settings

    async def update_settings(
        self,
        user: User,
        *,
        learner_language: str | None = None,
        level: str | None = None,
        interface_language: str | None = None,
        deck_size: str | int | None = None,
    ) -> User:
        """Change what is given; `level` may be CEFR, a TOEIC score or a 수능 grade
        (BadLevel otherwise), `deck_size` a number in range (BadDeckSize otherwise)."""
        learner_language, level = check_settings(learner_language, level)
        if interface_language is not None and interface_language not in INTERFACE_LANGUAGES:
            raise errors.BadSetting(f"interface language {interface_language!r}")
        size = check_deck_size(deck_size) if deck_size is not None else None
        return await self._store.update_user(
            user.id,
            learner_language=learner_language,
            level=level,
            interface_language=interface_language,
            deck_size=size,
        )

    @staticmethod
    def with_settings(
        user: User, *, learner_language: str | None = None, level: str | None = None
    ) -> User:
        """The learner as one request asks (its learner language and level over their own,
        this once, not saved), checked by the same rule as a saved setting (BadSetting)."""
        learner_language, level = check_settings(learner_language, level)
        return replace(
            user,
            learner_language=learner_language or user.learner_language,
            level=level or user.level,
        )

    def deck_size(self, user: User) -> int:
        """How many of a deck's best cards this learner gets first."""
        return user.deck_size or self.default_deck_size

    def shown(self, user: User, info: DeckInfo) -> tuple[int, int]:
        """(words, phrases) of this deck in its shown part, for this learner."""
        return shown_counts(info.words, info.phrases, self.deck_size(user))

    # API keys

    async def create_api_key(self, name: str) -> str:
        """A new HTTP API key for the API user `name`: shown once, only its hash is kept."""
        user = await self.user(API_PLATFORM, name)
        key, digest = new_api_key()
        await self._store.add_api_key(user.id, digest, name)
        return key

    async def api_key_user(self, digest: str) -> User | None:
        """Whose API key this is, by its hash (None: not a key)."""
        return await self._store.user_for_api_key(digest)

    # leaving

    async def forget(self, user: User) -> dict[str, int]:
        """Delete everything kept about this learner (after they confirmed): their running
        videos are stopped first. Returns the rows deleted per table."""
        if self._runner is not None:
            await self._runner.cancel(user.id)
        deleted = await self._store.forget_user(user.id)
        log.info(
            "user %s used /forget: %d rows deleted",
            user.id,
            sum(deleted.values()),
            extra={"user_id": user.id},
        )
        return deleted
