"""The study page and the HTTP API's errors for a Korean learner: every page (decks, a
deck's tabs, a search with no match, the review and its answer side, a missing page, the
signed-out pages) and the API's refusals, with no English but commands, URLs, file names
and the words being taught (tests/korean_check.py)."""

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import Sim
from tests.http_harness import api_app, client_of, key_for
from tests.korean_check import HANGUL, Taught, leaks, taught_words
from tests.study_harness import BOT_TOKEN
from tests.test_study import HOST, Site, csrf_of, site_on

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}
# What a page says, to the eye or read aloud: its text and these attributes.
_SAID = re.compile(r'(?:aria-label|title|placeholder|alt)="([^"]*)"')


def said(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    attributes = " ".join(_SAID.findall(page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)


@pytest.fixture
async def site(sim: Sim, tmp_path: Path) -> AsyncIterator[Site]:
    token = SecretStr(BOT_TOKEN)
    async with site_on(sim, tmp_path / "k.sqlite3", telegram_bot_token=token) as (app, api):
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=HOST, headers=KO) as client:
            yield Site(app, client)


async def test_every_study_page_in_korean(site: Site) -> None:
    before = said((await site.client.get("/study/")).text)  # not signed in yet
    ji = await site.app.actions.learners.user("console", "ji", client_language="ko")
    built = await (await site.app.actions.builds.submit(ji, "vocabDemo02")).wait()
    assert built.deck is not None
    await site.sign_in(ji)
    deck = f"/study/decks/{built.deck.id}"
    pages = [before]
    for path, params in [
        ("/study/", {}),
        (deck, {}),
        (deck, {"kind": "phrase"}),
        (deck, {"q": "zzqxj"}),
        ("/study/review", {}),
        ("/study/review", {"flip": "1"}),
        ("/study/decks/99999", {}),
    ]:
        pages.append(said((await site.client.get(path, params=params)).text))
    review = (await site.client.get("/study/review")).text
    signed_out = await site.client.post(
        "/study/signout", data={"csrf": csrf_of(review)}, follow_redirects=True
    )
    pages.append(said(signed_out.text))
    taught = await taught_words(site.app.actions, ji)
    for page in pages:
        assert HANGUL.search(page), page
        assert leaks(page, taught) == [], f"English on the study page: {page}"
    everything = "\n".join(pages)
    assert "제목 없는 단어장" in everything or "vocabDemo02" in everything
    assert "덱" not in everything, "단어장, as in the chats"
    assert "명사" in everything or "동사" in everything, "parts of speech in Korean"


async def test_the_apis_refusals_in_korean(sim: Sim, tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    async with api_app(sim, db) as (app, fastapi), client_of(fastapi) as client:
        alice = await key_for(app, "alice")
        answers = [
            await client.get("/v1/decks", headers=KO),
            await client.get("/v1/decks", headers={**KO, "Authorization": "Bearer nope"}),
            await client.get("/v1/decks/99999", headers={**KO, **alice}),
            await client.get("/v1/jobs/nope", headers={**KO, **alice}),
            await client.post("/v1/jobs", json={"url": "hello"}, headers={**KO, **alice}),
        ]
    # Header names and the CLI's own command are what a developer types: not prose.
    taught = Taught(["Authorization", "Bearer", "X-API-Key", "api-key", "create", "user"], [])
    for answer in answers:
        assert answer.status_code >= 400
        body = answer.json()
        message = str((body.get("error") or {}).get("message") or body)
        assert HANGUL.search(message), message
        assert leaks(message, taught) == [], message
