"""The study page's "translate the sentence" form, without a browser: the presser's own
card only, CSRF checked, back to the card; the simulator's translation says so."""

from tests.conftest import Sim
from tests.factories import deck
from tests.test_study import Site, csrf_of
from tests.test_study import site as site  # the fixture, shared


def translated_calls(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.task == "sentence_translation")


async def test_the_form_translates_the_learners_own_card_once(site: Site, sim: Sim) -> None:
    alice, bob = await site.learner("alice"), await site.learner("bob")
    info = await site.app.store.save_deck(alice.id, deck())
    card = (await site.app.store.deck_cards(alice.id, info.id))[0]
    bobs = await site.app.store.save_deck(bob.id, deck(video="bobVideo001"))
    bobs_card = (await site.app.store.deck_cards(bob.id, bobs.id))[0]
    await site.sign_in(alice)
    page = await site.client.get(f"/study/decks/{info.id}")
    assert 'class="ipa">/haɪˈpɑθəsəs/<' in page.text
    csrf = csrf_of(page.text)

    forged = await site.client.post(f"/study/cards/{card.id}/translate", data={"csrf": "0" * 32})
    stranger = await site.client.post(f"/study/cards/{bobs_card.id}/translate", data={"csrf": csrf})
    assert (forged.status_code, stranger.status_code) == (403, 404)
    assert translated_calls(sim) == 0

    back = f"/study/decks/{info.id}?kind=word"
    done = await site.client.post(
        f"/study/cards/{card.id}/translate", data={"csrf": csrf, "back": back}
    )
    assert done.status_code == 303 and done.headers["location"] == f"{back}#card-{card.id}"
    shown = await site.client.get(back)
    assert shown.text.count('class="translation"') == 1 and translated_calls(sim) == 1
    elsewhere = await site.client.post(
        f"/study/cards/{card.id}/translate", data={"csrf": csrf, "back": "https://evil.example/"}
    )
    assert elsewhere.headers["location"].startswith("/study/"), "never off the site"
    assert translated_calls(sim) == 1
