"""/privacy, /forget and /admin in the console chat."""

from __future__ import annotations

from rich.markup import escape

from bot import ops_texts
from bot.admin_commands import parse_admin, run_admin
from bot.console.part import ChatPart
from bot.console.terminal import ReadLine
from core import User

YES = ("yes", "y", "네", "예")


class OpsChat(ChatPart):
    """The part of ConsoleChat for leaving and for admins."""

    read_line: ReadLine
    user: User | None

    async def _privacy(self, _: str) -> None:
        self.tell(self.tr(ops_texts.PRIVACY))

    async def _forget(self, _: str) -> None:
        """Ask, read the answer, then delete everything (the next message starts afresh)."""
        self.tell(self.tr(ops_texts.FORGET_ASK))
        self.say(f"[dim]{escape(self.tr(ops_texts.FORGET_CONFIRM_TYPED))}[/]")
        answer = await self.read_line()
        if (answer or "").strip().lower() not in YES:
            self.tell(self.tr(ops_texts.FORGET_KEPT))
            return
        tr = self.tr
        await self.actions.learners.forget(self.me)
        self.user = None  # gone: a new learner is made when they type again
        self.tell(tr(ops_texts.FORGET_DONE))

    async def _admin(self, rest: str) -> None:
        async def say(text: str) -> None:
            self.tell(text)

        await run_admin(self.actions, self.me, self.tr, parse_admin(rest), say)
