"""The HTTP API's root address (a browser to the study page, JSON for clients), the IPA on
its cards and "translate the sentence" for one of the caller's cards."""

import pytest

from tests.http_harness import Api, finish

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


async def test_a_browser_at_the_root_goes_to_the_study_page(api: Api) -> None:
    response = await api.client.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 303 and response.headers["location"] == "/study/"
    assert "accept" in response.headers["vary"].lower()


@pytest.mark.parametrize("accept", ["*/*", "application/json", "text/html;q=0, */*"])
async def test_an_api_client_at_the_root_gets_json(api: Api, accept: str) -> None:
    response = await api.client.get("/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.json()["study"] == "/study/" and response.json()["api"] == "/v1"


async def test_cards_carry_ipa_and_a_sentence_is_translated_once(api: Api) -> None:
    created = await api.client.post("/v1/jobs", json={"url": "vocabDemo02"}, headers=api.alice)
    events = await finish(api, created.json()["job_id"], api.alice)
    deck_id = events[-1]["deck_id"]
    deck = (await api.client.get(f"/v1/decks/{deck_id}", headers=api.alice)).json()
    words = [c for c in deck["cards"] if c["kind"] == "word"]
    assert any(c["pronunciation"] and c["pronunciation"].startswith("/") for c in words)
    assert all(c["pronunciation"] is None for c in deck["cards"] if c["kind"] == "phrase")

    card = words[0]["id"]
    calls = sum(1 for c in api.sim.server.calls if c.task == "sentence_translation")
    first = await api.client.post(f"/v1/cards/{card}/translation", headers=api.alice)
    assert first.status_code == 200 and not first.json()["cached"]
    assert first.json()["sentence"] == words[0]["sentence"] and first.json()["language"] == "ko"
    again = await api.client.post(f"/v1/cards/{card}/translation", headers=api.alice)
    assert again.json()["cached"] and again.json()["translation"] == first.json()["translation"]
    after = sum(1 for c in api.sim.server.calls if c.task == "sentence_translation")
    assert after == calls + 1, "one call, then none"

    stranger = await api.client.post(f"/v1/cards/{card}/translation", headers=api.bob)
    assert stranger.status_code == 404
