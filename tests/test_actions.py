"""The application layer's own rules, on each store (faces are tested elsewhere)."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from core import errors
from core.actions import PAGE_SIZE, Actions, export_filename, first_kind
from core.config import Settings
from core.jobs import JobRunner
from core.pipeline import Pipeline
from core.srs import Quiz
from core.store import DeckInfo, User
from tests.factories import deck
from tests.stores import AnyStore


def info(title: str | None, video: str | None = "vidAAAAAAA1", deck_id: int = 7) -> DeckInfo:
    return DeckInfo(deck_id, 1, video, title, "ko", "B1", 3, 1, (), datetime.now(UTC))


@pytest.mark.parametrize(
    ("title", "video", "expected"),
    [
        ("A talk", "vidAAAAAAA1", "A talk.csv"),
        ("日本語で話す / Café \u202etalk", None, "日本語で話す Café talk.csv"),
        ('What "sleep" does: 5 facts?', None, "What sleep does 5 facts.csv"),
        (None, "vidAAAAAAA1", "vidAAAAAAA1.csv"),
        (None, None, "deck-7.csv"),
        ("../../etc/passwd", None, "etc passwd.csv"),
        ("x" * 200, None, "x" * 60 + ".csv"),
        ("///", None, "vocabot.csv"),
    ],
)
def test_one_file_name_rule(title: str | None, video: str | None, expected: str) -> None:
    assert export_filename(info(title, video), "csv") == expected


def test_a_deck_with_only_phrases_opens_on_phrases() -> None:
    only_phrases = DeckInfo(1, 1, "v", "t", "ko", "B1", 0, 2, (), datetime.now(UTC))
    assert first_kind(only_phrases) == "phrase"
    assert first_kind(info("t")) == "word"


@pytest.fixture
def actions(store: AnyStore, pipeline: Pipeline) -> Actions:
    runner = JobRunner(pipeline=pipeline, store=store, model="m")
    return Actions(store=store, runner=runner, quiz=Quiz(store))


async def test_pages_are_clamped_and_numbered(store: AnyStore, actions: Actions) -> None:
    user = await actions.learners.user("test", 1)
    words = tuple(f"word{i:02d}" for i in range(12))
    saved = await store.save_deck(user.id, deck(words=words))
    last = await actions.decks.page(user, saved.id, "word", 99)
    assert (last.page, last.pages, last.total) == (2, 3, 12)
    assert [c.number for c in last.cards] == [11, 12] and last.first == 11 and last.last == 12
    assert last.has_previous and not last.has_next
    first = await actions.decks.page(user, saved.id, None, -3)
    assert first.kind == "word" and first.page == 0 and len(first.cards) == PAGE_SIZE


async def test_another_users_deck_is_not_found(store: AnyStore, actions: Actions) -> None:
    alice, bob = (
        await actions.learners.user("test", "alice"),
        await actions.learners.user("test", "bob"),
    )
    saved = await store.save_deck(alice.id, deck())
    with pytest.raises(errors.DeckNotFound):
        await actions.decks.page(bob, saved.id)
    with pytest.raises(errors.DeckNotFound):
        await actions.decks.export(bob, "csv", saved.id)
    cards = await store.deck_cards(alice.id, saved.id)
    with pytest.raises(errors.DeckNotFound):
        await actions.known.mark_card(bob, saved.id, cards[0].id)
    assert await actions.known.words(bob) == []


async def test_known_by_number_names_numbers_that_are_not_cards(
    store: AnyStore, actions: Actions
) -> None:
    user = await actions.learners.user("test", 1)
    saved = await store.save_deck(user.id, deck())
    result = await actions.known.mark_numbers(user, saved.id, "word", [1, 999, 1])
    assert result.words == ("hypothesis",) and result.bad_numbers == (999,)
    page = await actions.decks.page(user, saved.id, "word")
    assert [c.known for c in page.cards] == [True, False, False]


async def test_export_of_a_learner_without_decks_is_no_decks(actions: Actions) -> None:
    with pytest.raises(errors.NoDecks):
        await actions.decks.export(await actions.learners.user("test", 1), "csv")


async def test_settings_are_checked(actions: Actions) -> None:
    user = await actions.learners.user("test", 1)
    with pytest.raises(errors.BadSetting):
        await actions.learners.update_settings(user, learner_language="xx")
    with pytest.raises(errors.BadSetting):
        await actions.learners.update_settings(user, level="Z9")
    changed = await actions.learners.update_settings(user, learner_language="JA", level="b2")
    assert (changed.learner_language, changed.level) == ("ja", "B2")


async def test_one_request_is_checked_by_the_settings_rule_whatever_the_face(
    store: AnyStore,
    actions: Actions,
) -> None:
    """A face's one-off learner language or level (the API's body, Discord's option, the
    CLI's --lang) goes through the same rule as a saved setting, and so does a submit."""
    user = await actions.learners.user("test", 1)
    with pytest.raises(errors.BadSetting):
        actions.learners.with_settings(user, learner_language="xx")
    with pytest.raises(errors.BadSetting):
        actions.learners.with_settings(user, level="Z9")
    asked = actions.learners.with_settings(user, learner_language="JA", level="b2")
    assert (asked.learner_language, asked.level) == ("ja", "B2")
    assert (await actions.learners.user("test", 1)).learner_language == "ko", "this once, not saved"
    with pytest.raises(errors.BadSetting):
        await actions.builds.submit(replace(user, learner_language="xx"), "vocabDemo02")
    assert await store.user_jobs(user.id) == []


@pytest.mark.parametrize(
    ("name", "value"), [("default_learner_language", "xx"), ("default_level", "Z9")]
)
def test_the_default_settings_are_checked_at_start(name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings.model_validate({name: value})
    assert Settings(default_learner_language="JA", default_level="c1").default_level == "C1"


async def test_quiz_turns_say_why_there_is_no_question(store: AnyStore, actions: Actions) -> None:
    user: User = await actions.learners.user("test", 1)
    empty = await actions.quiz.next(user)
    assert empty.question is None and empty.no_cards
    await store.save_deck(user.id, deck(words=("hypothesis", "consolidate", "replay")))
    await store.save_deck(user.id, deck(video="vidAAAAAAA2", words=("brew", "kettle")))
    turn = await actions.quiz.next(user)
    assert turn.question is not None
    with pytest.raises(errors.BadSetting):
        await actions.quiz.rate(user, turn.question.id, 9)
