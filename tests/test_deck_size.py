"""A deck's shown part and its "more" part (DECK_SIZE), the learner's deck size and level
settings, and the order /quiz brings new cards in: core's rules, on both stores."""

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from core import errors
from core.actions import Actions
from core.learner import csat_level, parse_level, toeic_level
from core.srs import Quiz
from core.store import User
from tests.factories import deck
from tests.stores import AnyStore

WORDS = tuple(f"term{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(64))
PHRASES = tuple(f"set {chr(97 + i)} off" for i in range(14))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def actions(store: AnyStore, clock: Clock) -> Actions:
    quiz = Quiz(store, clock=clock, rng=random.Random(3), fuzzing=False, daily_new_cards=100)
    return Actions(store=store, runner=None, quiz=quiz)


# -- the learner's settings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("b2", "B2"),
        (" C1 ", "C1"),
        ("toeic 650", "B1"),
        ("TOEIC 785", "B2"),
        ("토익 990점", "C1"),
        ("toeic 949", "C1"),
        ("toeic 224", "A1"),
        ("toeic 225", "A2"),
        ("toeic 10", "A1"),
        ("수능 1등급", "B2"),
        ("수능 2등급", "B1"),
        ("csat 2", "B1"),
        ("수능 영어 4등급", "A2"),
        ("3등급", "B1"),
        ("csat 9", "A1"),
    ],
)
def test_a_level_in_the_learners_terms_becomes_cefr(typed: str, level: str) -> None:
    assert parse_level(typed) == level


@pytest.mark.parametrize("typed", ["", "B3", "toeic", "toeic 5", "toeic 1200", "csat 0", "수능"])
def test_what_is_not_a_level_is_none(typed: str) -> None:
    assert parse_level(typed) is None


def test_the_published_toeic_minimums_and_the_csat_mapping() -> None:
    ets = {120: "A1", 225: "A2", 550: "B1", 785: "B2", 945: "C1"}
    for score, level in ets.items():
        assert toeic_level(score) == level
        assert score == 120 or toeic_level(score - 1) != level
    assert [csat_level(g) for g in range(1, 10)] == ["B2", "B1", "B1", "A2", "A2"] + ["A1"] * 4


async def test_deck_size_is_a_preference_that_other_settings_leave_alone(
    store: AnyStore,
    actions: Actions,
) -> None:
    user = await actions.learners.user("telegram", 11)
    assert user.deck_size is None and actions.learners.deck_size(user) == 30
    changed = await actions.learners.update_settings(user, deck_size="20")
    assert changed.deck_size == 20 and actions.learners.deck_size(changed) == 20
    leveled = await actions.learners.update_settings(changed, level="toeic 800")
    assert (leveled.level, leveled.deck_size) == ("B2", 20)
    assert await store.get_user(user.id) == leveled
    again = await actions.learners.user("telegram", 11)
    assert again.deck_size == 20, "kept across sessions"
    other = await actions.learners.user("telegram", 12)
    assert other.deck_size is None, "one learner's preference only"


@pytest.mark.parametrize("size", ["0", "4", "201", "ten", "-5", "٣٠"])
async def test_a_bad_deck_size_says_the_range(store: AnyStore, actions: Actions, size: str) -> None:
    user = await actions.learners.user("telegram", 11)
    with pytest.raises(errors.BadDeckSize) as caught:
        await actions.learners.update_settings(user, deck_size=size)
    tr = actions.learners.translator(user)
    said = tr(caught.value.message, **caught.value.params)
    assert "5" in said and "200" in said and "/settings size 20" in said
    assert (await store.get_user(user.id)) == user, "nothing changed"


async def test_a_bad_level_names_the_accepted_forms_in_both_languages(actions: Actions) -> None:
    user = await actions.learners.user("telegram", 11)
    with pytest.raises(errors.BadLevel) as caught:
        await actions.learners.update_settings(user, level="toeic 2000")
    from core.i18n import translator

    english = translator("en")(caught.value.message)
    korean = translator("ko")(caught.value.message)
    assert "A1" in english and "toeic 650" in english and "csat 2" in english
    assert "토익" in korean and "수능 2등급" in korean and korean != english


# -- the shown part and "more" ---------------------------------------------------------------


async def saved_deck(
    store: AnyStore, actions: Actions, user: User, video: str = "vidAAAAAAA1"
) -> int:
    info = await store.save_deck(user.id, deck(video=video, words=WORDS, phrases=PHRASES))
    return info.id


async def test_a_deck_shows_its_best_cards_first_and_the_rest_one_press_away(
    store: AnyStore,
    actions: Actions,
) -> None:
    user = await actions.learners.user("telegram", 11)
    deck_id = await saved_deck(store, actions, user)
    first = await actions.decks.page(user, deck_id, "word", 0)
    assert (first.total, first.shown, first.more) == (64, 20, 44), "30 cards: 20 words, 10 phr."
    assert first.offers_more and first.more_page == 4 and first.pages == 4 + 9
    last_shown = await actions.decks.page(user, deck_id, "word", 3)
    assert [c.number for c in last_shown.cards] == [16, 17, 18, 19, 20]
    assert not last_shown.has_next and last_shown.offers_more, "More, not ▶, ends the part"
    more = await actions.decks.page(user, deck_id, "word", first.more_page)
    assert more.in_more and not more.offers_more and more.has_next
    assert [c.card.front for c in more.cards] == list(WORDS[20:25])
    assert [c.number for c in more.cards] == [21, 22, 23, 24, 25]
    end = await actions.decks.page(user, deck_id, "word", 99)
    assert [c.card.front for c in end.cards] == list(WORDS[60:]) and not end.has_next
    phrases = await actions.decks.page(user, deck_id, "phrase", 0)
    assert (phrases.shown, phrases.more) == (10, 4)


async def test_the_learners_deck_size_decides_the_shown_part(
    store: AnyStore, actions: Actions
) -> None:
    user = await actions.learners.update_settings(
        await actions.learners.user("telegram", 11), deck_size=12
    )
    deck_id = await saved_deck(store, actions, user)
    words = await actions.decks.page(user, deck_id, "word", 0)
    assert (words.shown, words.more, words.more_page) == (8, 56, 2)
    study = await actions.study.cards(user, deck_id, "word")
    assert [c.card.front for c in study.cards] == list(WORDS[:8]) and study.more == 56
    everything = await actions.study.cards(user, deck_id, "word", more=True)
    assert len(everything.cards) == 64 and everything.more == 0
    found = await actions.study.cards(user, deck_id, "word", "termcl")
    assert [c.card.front for c in found.cards] == ["termcl"], "a search looks through all"


async def test_export_takes_all_cards_or_only_the_shown_part(
    store: AnyStore, actions: Actions
) -> None:
    user = await actions.learners.user("telegram", 11)
    deck_id = await saved_deck(store, actions, user)
    everything = await actions.decks.export(user, "csv", deck_id)
    shown = await actions.decks.export(user, "csv", deck_id, shown_only=True)
    assert (everything.cards, shown.cards) == (78, 30)
    rows = list(csv.reader(io.StringIO(shown.data.decode("utf-8-sig"))))
    fronts = {r[1] for r in rows[1:]}
    assert set(WORDS[:20]) <= fronts and WORDS[20] not in fronts and "set j off" in fronts


# -- the quiz's new cards --------------------------------------------------------------------


async def meet(actions: Actions, user: User, n: int, rating: Rating = Rating.Good) -> list[str]:
    """Answer and rate the next `n` questions; the fronts asked, in order."""
    fronts = []
    for _ in range(n):
        turn = await actions.quiz.next(user)
        assert turn.question is not None
        fronts.append(turn.question.front)
        await actions.quiz.answer(user, turn.question.id, turn.question.answer)
        await actions.quiz.rate(user, turn.question.id, int(rating))
    return fronts


async def test_new_cards_come_from_the_newest_deck_first_in_rank_order(
    store: AnyStore,
    actions: Actions,
) -> None:
    user = await actions.learners.update_settings(
        await actions.learners.user("telegram", 11), deck_size=6
    )
    old = deck(video="vidOLD00001", words=("alpha", "bravo", "charlie", "delta", "echo"))
    await store.save_deck(user.id, old)  # 5 words, 1 phrase: all shown
    new_words = ("kilo", "lima", "mike", "november", "oscar", "papa")
    new = deck(video="vidNEW00001", words=new_words, phrases=("wrap up", "set off"))
    await store.save_deck(user.id, new)  # shown: 2 phrases, 4 words
    asked = await meet(actions, user, 14, Rating.Easy)
    assert asked[:6] == ["kilo", "wrap up", "lima", "set off", "mike", "november"]
    assert asked[6:12] == ["alpha", "figure out", "bravo", "charlie", "delta", "echo"]
    assert asked[12:] == ["oscar", "papa"], "the 'more' part after every shown part"


async def test_new_cards_are_mixed_into_due_reviews(
    store: AnyStore, actions: Actions, clock: Clock
) -> None:
    user = await actions.learners.user("telegram", 11)
    await store.save_deck(user.id, deck(words=WORDS[:12], phrases=()))
    first = await meet(actions, user, 4, Rating.Again)
    assert first == list(WORDS[:4])
    clock.now += timedelta(hours=1)  # those four are due again
    pattern = []
    for _ in range(8):
        turn = await actions.quiz.next(user)
        assert turn.question is not None
        pattern.append(turn.question.is_new)
        await actions.quiz.answer(user, turn.question.id, turn.question.answer)
        await actions.quiz.rate(user, turn.question.id, int(Rating.Easy))
    # The first turn was opened by the last rating, before the four fell due; then a new
    # card after every three reviews, and new cards only once no review is left.
    assert pattern == [True, False, False, False, True, False, True, True]
