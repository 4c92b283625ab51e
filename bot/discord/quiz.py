"""The quiz in Discord: answer buttons, a modal for typed answers, rating buttons.

Like every button here they are persistent DynamicItems: the question id is in the
custom_id, and the quiz's state is in the store, so a quiz survives a restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot import habit_texts, texts
from bot.buttons import OPTION, QUESTION, RATING
from bot.discord.common import AnyItem, Inter, app_of, learner_tr, refuse
from bot.discord.render import answer_embed, turn_embed
from bot.discord.translate import TranslateButton
from core import Answer, QuestionExpired, QuizTurn, Translator, error_message

Button = discord.ui.Button[Any]


class AnswerButton(
    discord.ui.DynamicItem[Button], template=rf"v:qa:(?P<q>{QUESTION}):(?P<n>{OPTION})"
):
    def __init__(self, question_id: str, number: int, label: str = "") -> None:
        super().__init__(
            discord.ui.Button(label=label or str(number), custom_id=f"v:qa:{question_id}:{number}")
        )
        self.question_id, self.number = question_id, number

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match["q"], int(match["n"]))

    async def callback(self, interaction: Inter) -> None:
        await answer_question(interaction, self.question_id, str(self.number))


class TypeAnswerButton(discord.ui.DynamicItem[Button], template=rf"v:qt:(?P<q>{QUESTION})"):
    def __init__(self, question_id: str, label: str = "✍️") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.primary, custom_id=f"v:qt:{question_id}"
            )
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> TypeAnswerButton:
        return cls(match["q"])

    async def callback(self, interaction: Inter) -> None:
        _, tr = await learner_tr(interaction)
        await interaction.response.send_modal(TypedAnswer(tr, self.question_id))


class TypedAnswer(discord.ui.Modal):
    def __init__(self, tr: Translator, question_id: str) -> None:
        super().__init__(title=tr("Type the missing word"))
        self.word: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=tr("The word"), max_length=60
        )
        self.add_item(self.word)
        self.question_id = question_id

    async def on_submit(self, interaction: Inter) -> None:
        await answer_question(interaction, self.question_id, str(self.word.value))


class RateButton(
    discord.ui.DynamicItem[Button], template=rf"v:qr:(?P<q>{QUESTION}):(?P<r>{RATING})"
):
    def __init__(
        self, question_id: str, rating: int, suggested: bool = False, label: str = ""
    ) -> None:
        label = label or dict(texts.RATINGS)[rating]
        style = discord.ButtonStyle.primary if suggested else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"v:qr:{question_id}:{rating}")
        )
        self.question_id, self.rating = question_id, rating

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> RateButton:
        return cls(match["q"], int(match["r"]))

    async def callback(self, interaction: Inter) -> None:
        actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
        try:
            result = await actions.quiz.rate(user, self.question_id, self.rating)
        except QuestionExpired as exc:
            await refuse(interaction, error_message(exc, tr))
            return
        if result.next is None:
            await refuse(interaction, tr(texts.ALREADY_RATED))
            return
        await interaction.response.edit_message(
            content=tr("Next review: {when}", when=texts.when(tr, result.rated.due)),
            embed=turn_embed(tr, result.next),
            view=turn_view(tr, result.next),
        )


class NextButton(discord.ui.DynamicItem[Button], template=r"v:(?P<a>qn|lm)"):
    """The reminder's Start (qn), and "learn 10 more" (lm): the next quiz turn, for the
    learner who presses it (their own quiz, whoever's message it is on)."""

    def __init__(self, action: str, label: str = "") -> None:
        style = discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(label=label or action, style=style, custom_id=f"v:{action}")
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: Inter, item: AnyItem, match: re.Match[str], /
    ) -> NextButton:
        return cls(match["a"])

    async def callback(self, interaction: Inter) -> None:
        actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
        if self.action == "lm":
            await actions.habits.learn_more(user)
        turn = await actions.quiz.next(user)
        view = turn_view(tr, turn)
        embed = turn_embed(tr, turn)
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


def turn_view(tr: Translator, turn: QuizTurn) -> discord.ui.View | None:
    """The buttons of a quiz turn (when there is no question: "learn 10 more", if any)."""
    question = turn.question
    if question is None:
        more = turn.habit.more_new if turn.habit else 0
        if not more:
            return None
        view = discord.ui.View(timeout=None)
        view.add_item(NextButton("lm", habit_texts.learn_more_button(tr, more)))
        return view
    view = discord.ui.View(timeout=None)
    if question.options:
        for number, option in enumerate(question.options, 1):
            view.add_item(AnswerButton(question.id, number, f"{number}. {option}"[:80]))
    else:
        view.add_item(TypeAnswerButton(question.id, tr("✍️ Answer")))
    return view


def rating_view(tr: Translator, answer: Answer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for value, label in texts.RATINGS:
        suggested = value == int(answer.suggested)
        view.add_item(RateButton(answer.question.id, value, suggested, tr(label)))
    view.add_item(TranslateButton(answer.card.id, tr(texts.TRANSLATE), row=1))
    return view


async def answer_question(interaction: Inter, question_id: str, given: str) -> None:
    actions, (user, tr) = app_of(interaction).actions, await learner_tr(interaction)
    try:
        answer = await actions.quiz.answer(user, question_id, given)
    except QuestionExpired as exc:
        await refuse(interaction, error_message(exc, tr))
        return
    if answer.duplicate:
        await refuse(interaction, tr(texts.ALREADY_ANSWERED))
        return
    await interaction.response.edit_message(
        embed=answer_embed(tr, answer), view=rating_view(tr, answer)
    )
