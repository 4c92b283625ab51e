""" "Translate the sentence" (문장 번역): one LLM call per card sentence, kept with the deck,
counted in the learner's spending, refused politely where it can't be made (each store)."""

from dataclasses import replace
from datetime import date

import httpx
import pytest

from core import errors
from core.actions import Actions
from core.llm import LLMClient
from core.spending import Spending
from core.srs import Quiz
from core.translation import SentenceTranslator
from tests.conftest import Sim
from tests.factories import deck
from tests.stores import AnyStore


def hangul(text: str) -> bool:
    return any("가" <= ch <= "힣" for ch in text)


def translated_calls(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.status == 200 and c.task == "sentence_translation")


@pytest.fixture
def simulated_llm(sim: Sim, http: httpx.AsyncClient) -> LLMClient:
    return LLMClient(http, base_url=sim.url, model=sim.config.model, timeout=10, simulated=True)


def make_actions(store: AnyStore, llm: LLMClient | None, *, daily_tokens: int = 0) -> Actions:
    return Actions(
        store=store,
        runner=None,
        quiz=Quiz(store),
        spending=Spending(store, daily_tokens=daily_tokens),
        sentences=SentenceTranslator(llm) if llm is not None else None,
    )


async def test_one_call_once_per_card_sentence_and_none_when_asked_again(
    store: AnyStore, sim: Sim, simulated_llm: LLMClient
) -> None:
    actions = make_actions(store, simulated_llm)
    user = await actions.learners.user("telegram", "1")
    saved = await store.save_deck(user.id, deck())
    first, second = (await store.deck_cards(user.id, saved.id))[:2]

    done = await actions.translations.translate(user, first.id)
    assert translated_calls(sim) == 1
    assert hangul(done.text) and done.language == "ko"
    assert done.simulated and not done.cached, "the simulator wrote it: the faces say so"
    assert done.sentence == first.item.sentence

    again = await actions.translations.translate(user, first.id)
    assert translated_calls(sim) == 1, "asking again costs zero calls"
    assert again.cached and again.text == done.text and again.simulated
    assert (await actions.translations.kept(user, first)) == again
    assert await actions.translations.kept(user, second) is None, "never asked: nothing, no call"

    # another face, another process: the answer is kept with the deck in the store
    other = make_actions(store, simulated_llm)
    assert (await other.translations.translate(user, first.id)).text == done.text
    assert translated_calls(sim) == 1

    await actions.translations.translate(user, second.id)
    assert translated_calls(sim) == 2, "each card sentence: its own call"
    kept = await actions.translations.kept_all(user, [first, second])
    assert set(kept) == {first.id, second.id}

    usage = await store.user_usage(user.id, date.today())
    assert usage.tokens > 0 and usage.builds == 0, "tokens in the learner's spending, no build"


async def test_a_rebuilt_sentence_is_translated_again(
    store: AnyStore, sim: Sim, simulated_llm: LLMClient
) -> None:
    actions = make_actions(store, simulated_llm)
    user = await actions.learners.user("telegram", "1")
    saved = await store.save_deck(user.id, deck())
    card = (await store.deck_cards(user.id, saved.id))[0]
    await actions.translations.translate(user, card.id)
    rebuilt = deck()
    words = (replace(rebuilt.words[0], sentence="Another sentence now."), *rebuilt.words[1:])
    await store.save_deck(user.id, replace(rebuilt, words=words))
    again = await actions.translations.translate(user, card.id)
    assert again.sentence == "Another sentence now." and not again.cached
    assert translated_calls(sim) == 2


async def test_someone_elses_card_is_not_found_and_costs_nothing(
    store: AnyStore, sim: Sim, simulated_llm: LLMClient
) -> None:
    actions = make_actions(store, simulated_llm)
    alice, bob = (
        await actions.learners.user("telegram", "1"),
        await actions.learners.user("telegram", "2"),
    )
    saved = await store.save_deck(alice.id, deck())
    card = (await store.deck_cards(alice.id, saved.id))[0]
    with pytest.raises(errors.DeckNotFound):
        await actions.translations.translate(bob, card.id)
    assert translated_calls(sim) == 0


async def test_over_the_budget_or_without_a_model_it_is_refused_with_a_sentence(
    store: AnyStore, sim: Sim, simulated_llm: LLMClient
) -> None:
    spent = make_actions(store, simulated_llm, daily_tokens=10)
    user = await spent.learners.user("telegram", "1")
    await store.add_usage(user.id, date.today(), prompt_tokens=10)
    saved = await store.save_deck(user.id, deck())
    card = (await store.deck_cards(user.id, saved.id))[0]
    with pytest.raises(errors.TranslationBudget) as refused:
        await spent.translations.translate(user, card.id)
    assert "translations" in refused.value.user_message
    with pytest.raises(errors.TranslationUnavailable):
        await make_actions(store, None).translations.translate(user, card.id)
    assert translated_calls(sim) == 0
