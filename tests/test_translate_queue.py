""" "Translate the sentence" on a queue front (DATABASE_URL): the front makes the one small
call itself (decks are the workers'), once per card sentence across fronts."""

from contextlib import AsyncExitStack

from tests.conftest import Sim
from tests.test_queue import a_front, settings, user, worker


def translated_calls(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.status == 200 and c.task == "sentence_translation")


async def test_two_fronts_translate_a_sentence_once(pg_url: str, sim: Sim) -> None:
    config = settings(pg_url, sim)
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(a_front(config))
        two = await stack.enter_async_context(a_front(config))
        await stack.enter_async_context(worker(config))
        alice = await user(one, "alice")
        done = await (await one.actions.builds.submit(alice, "vocabDemo02")).wait()
        assert done.deck is not None
        card = (await one.actions.decks.cards(alice, done.deck.id))[0]
        first = await one.actions.translations.translate(alice, card.id)
        assert not first.cached and translated_calls(sim) == 1
        again = await two.actions.translations.translate(await user(two, "alice"), card.id)
        assert again.cached and again.text == first.text
        assert translated_calls(sim) == 1, "the other front reads it from the deck"
