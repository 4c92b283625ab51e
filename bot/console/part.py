"""What ConsoleChat gives the parts it is made of (the quiz, /privacy, /forget, /admin)."""

from __future__ import annotations

from core import Actions, Translator, User


class ChatPart:
    """Declares what ConsoleChat provides; each part of the chat subclasses it."""

    actions: Actions

    @property
    def me(self) -> User:
        raise NotImplementedError

    @property
    def tr(self) -> Translator:
        raise NotImplementedError

    def say(self, text: str) -> None:
        raise NotImplementedError

    def tell(self, text: str) -> None:
        raise NotImplementedError
