"""The quiz in the console chat: questions, typed or numbered answers, ratings."""

from __future__ import annotations

from rich.markup import escape

from bot import habit_texts, texts
from bot.console.part import ChatPart
from core import MORE_NEW, Answer, Question, QuestionExpired, QuizTurn, card_ipa, error_message


class QuizChat(ChatPart):
    """The quiz part of ConsoleChat."""

    rating_for: Answer | None
    answered_card: int | None

    async def _quiz(self, rest: str) -> None:
        """/quiz, or "/quiz 10" when today's cards are done: learn 10 more."""
        if rest.strip() == str(MORE_NEW):
            await self.actions.habits.learn_more(self.me)
        self._turn(await self.actions.quiz.next(self.me))

    def _turn(self, turn: QuizTurn) -> None:
        if turn.question is not None:
            self._ask(turn.question)
        elif turn.no_cards:
            self.tell(self.tr(texts.NO_CARDS))
        else:
            if turn.habit is not None:  # today's goal and streak, as every face says them
                self.tell(habit_texts.quiz_end_text(self.tr, turn.habit))
                if turn.habit.more_new:
                    self.tell(habit_texts.console_learn_more(self.tr, turn.habit.more_new))
            else:
                self.tell(self.tr(texts.NOTHING_DUE))
            if turn.stats is not None:
                self.say(escape(texts.stats_text(self.tr, turn.stats)))

    def _ask(self, question: Question) -> None:
        self.rating_for = None  # a rating left pending belonged to the previous question
        self.say(f"\n[bold]{escape(texts.question_prompt(self.tr, question))}[/]")
        if question.sentence:
            self.say(f"[italic]“{escape(question.sentence)}”[/]")
        if question.hint:
            self.say(f"[dim]{escape(self.tr('Hint: {hint}', hint=question.hint))}[/]")
        for i, option in enumerate(question.options, 1):
            self.say(f"  {i}. {escape(option)}")
        how = self.tr("answer with a number") if question.options else self.tr("type the word")
        self.say(f"[dim]{escape(how)}[/]")

    async def _answer(self, question: Question, line: str) -> None:
        numbers = [str(i) for i in range(1, len(question.options) + 1)]
        if question.options and line not in numbers and line not in question.options:
            self.say(
                escape(self.tr("Answer with a number from 1 to {n}.", n=len(question.options)))
            )
            return
        answer = await self.actions.quiz.answer(self.me, question.id, line)
        item = answer.card.item
        verdict = (
            f"[green]{escape(self.tr('✅ Right!'))}[/]"
            if answer.correct
            else f"[red]{escape(self.tr('❌ Not quite.'))}[/]"
        )
        sound = f" [dim]{escape(ipa)}[/]" if (ipa := card_ipa(answer.card)) else ""
        front = escape(answer.card.front)
        self.say(f"{verdict} [bold]{front}[/]{sound} — {escape(item.meaning)}")
        if answer.card.simulated:
            self.say(f"[yellow]{escape(self.tr(texts.SIMULATED))}[/]")
        if not answer.correct:
            self.say(f"[italic]“{escape(item.sentence)}”[/] {escape(item.link or '')}")
        ratings = " ".join(f"{v} {texts.rating_name(self.tr, v)}" for v, _ in texts.RATINGS)
        suggested = texts.rating_name(self.tr, int(answer.suggested))
        self.say(escape(f"{self.tr(texts.HOW_WELL)} {ratings} (Enter: {suggested})"))
        self.rating_for = answer
        self.answered_card = answer.card.id  # /translate alone: this card's sentence

    async def _rate(self, line: str) -> None:
        answer, self.rating_for = self.rating_for, None
        assert answer is not None
        try:
            rated = await self.actions.quiz.rate(
                self.me, answer.question.id, int(line) if line else None
            )
        except QuestionExpired as exc:
            self.say(escape(error_message(exc, self.tr)))
            return
        when = texts.when(self.tr, rated.rated.due)
        self.say(f"[dim]{escape(self.tr('Next review: {when}', when=when))}[/]")
        if rated.next is not None:
            self._turn(rated.next)

    async def _stats(self, _: str) -> None:
        self.say(escape(texts.stats_text(self.tr, await self.actions.quiz.stats(self.me))))
        self.say(escape(habit_texts.streak_line(self.tr, await self.actions.habits.today(self.me))))
