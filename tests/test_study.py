"""The study page over HTTP (ASGI, real SQLite, the simulated vLLM): sign-in links, the Mini
App's initData, who may see what, CSRF, escaping and the security headers. The same flows
in a real browser are in test_study_browser.py."""

import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bot.app import App, open_app
from bot.http.api import create_api
from bot.http.study.telegram import InitDataRefused, data_check_string, sign, validate
from core.actions import Clock
from core.api_keys import new_api_key
from core.config import Settings
from core.models import Segment, Word
from core.pipeline import sentence_span
from core.store import User
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.factories import deck
from tests.sample_decks import COFFEE_WORDS
from tests.study_harness import BOT_TOKEN

HOST = "http://study.test"


@dataclass
class Site:
    app: App
    client: httpx.AsyncClient

    async def learner(self, name: str, platform: str = "console") -> User:
        return await self.app.actions.learners.user(platform, name)

    async def sign_in(self, user: User, client: httpx.AsyncClient | None = None) -> httpx.Response:
        """Follow a /web link as a browser does: open it, press the button."""
        client = client or self.client
        link = await self.app.actions.study.sign_in_link(user)
        url = urlsplit(link.url)
        form = await client.get(f"{url.path}?{url.query}")
        assert form.status_code == 200 and 'name="token"' in form.text
        return await client.post("/study/signin", data={"token": link.token})


@asynccontextmanager
async def site_on(sim: Sim, db: Path, **settings: Any) -> AsyncIterator[tuple[App, FastAPI]]:
    config = Settings(
        llm_base_url=sim.url, db_path=db, user_cooldown_seconds=0, web_base_url=HOST, **settings
    )
    async with open_app(config, source=DirectorySource(SAMPLES_DIR)) as app:
        yield app, create_api(app)


@pytest.fixture
async def site(sim: Sim, tmp_path: Path) -> AsyncIterator[Site]:
    token = SecretStr(BOT_TOKEN)
    async with site_on(sim, tmp_path / "s.sqlite3", telegram_bot_token=token) as (app, api):
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=HOST) as client:
            yield Site(app, client)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page carries its CSRF token"
    return found.group(1)


def init_data(user_id: int = 4242, *, age: float = 5, token: str = BOT_TOKEN, **extra: str) -> str:
    """Mini App initData as Telegram signs it for the bot with `token`."""
    fields = {
        "auth_date": str(int(time.time() - age)),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Ji-woo", "language_code": "ko"}),
        **extra,
    }
    fields["hash"] = sign(fields, token)
    return urlencode(fields)


# -- signing in ------------------------------------------------------------------------------


async def test_a_sign_in_link_works_once_and_sets_a_safe_cookie(site: Site) -> None:
    alice = await site.learner("alice")
    await site.app.store.save_deck(alice.id, deck(title="Alice's talk"))
    link = await site.app.actions.study.sign_in_link(alice)
    assert link.url.startswith(f"{HOST}/study/signin?token=")

    preview = await site.client.get(urlsplit(link.url).path, params={"token": link.token})
    assert "Sign in" in preview.text and "vocabot_study" not in preview.headers.get(
        "set-cookie", ""
    ), "opening the link (as a link preview does) does not spend it"
    signed = await site.client.post("/study/signin", data={"token": link.token})
    assert signed.status_code == 303 and signed.headers["location"] == "/study/"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/study" in cookie
    home = await site.client.get("/study/")
    assert home.status_code == 200 and "Alice&#39;s talk" in home.text

    async with httpx.AsyncClient(transport=site.client._transport, base_url=HOST) as other:
        again = await other.post("/study/signin", data={"token": link.token})
        assert again.status_code == 403
        assert "already used" in again.text and "/web" in again.text
        assert "vocabot_study" not in again.headers.get("set-cookie", "")
        assert (await other.get("/study/")).status_code == 401


async def test_an_expired_or_made_up_link_is_refused(site: Site) -> None:
    alice = await site.learner("alice")
    link = await site.app.actions.study.sign_in_link(alice)
    site.app.actions.study.clock = Clock(timedelta(minutes=11))  # the link lasts 10 minutes
    expired = await site.client.post("/study/signin", data={"token": link.token})
    assert expired.status_code == 403 and "expired" in expired.text
    site.app.actions.study.clock = Clock()
    made_up = await site.client.post("/study/signin", data={"token": "x" * 43})
    assert made_up.status_code == 403
    assert (await site.client.get("/study/")).status_code == 401


async def test_without_a_session_the_page_says_how_to_sign_in(site: Site) -> None:
    page = await site.client.get("/study/", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert page.status_code == 401
    assert "/web" in page.text and "로그인해 주세요" in page.text
    assert "Traceback" not in page.text


async def test_sign_out_ends_the_session(site: Site) -> None:
    await site.sign_in(await site.learner("alice"))
    home = await site.client.get("/study/")
    out = await site.client.post("/study/signout", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 200 and "signed out" in out.text
    assert (await site.client.get("/study/")).status_code == 401


# -- the Telegram Mini App -------------------------------------------------------------------


def test_init_data_is_checked_as_telegram_documents_it() -> None:
    fields = {"auth_date": "1700000000", "user": '{"id":1}', "signature": "abc", "hash": "h"}
    assert data_check_string(fields) == 'auth_date=1700000000\nsignature=abc\nuser={"id":1}', (
        "every field but hash, sorted, one per line (the newer signature field included)"
    )
    user = validate(init_data(7, signature="Ed25519-sig"), BOT_TOKEN, max_age=60)
    assert (user.id, user.language_code) == (7, "ko")
    with pytest.raises(InitDataRefused, match="bad hash"):
        validate(init_data(7, token="654321:another-bot"), BOT_TOKEN, max_age=60)
    with pytest.raises(InitDataRefused, match="old"):
        validate(init_data(7, age=3601), BOT_TOKEN, max_age=3600)
    tampered = init_data(7).replace("Ji-woo", "Mallory")
    with pytest.raises(InitDataRefused, match="bad hash"):
        validate(tampered, BOT_TOKEN, max_age=60)


async def test_the_mini_app_signs_in_a_telegram_user_and_refuses_forgeries(site: Site) -> None:
    tg_user = await site.learner("4242", platform="telegram")
    await site.app.store.save_deck(tg_user.id, deck(title="From Telegram"))
    forged = init_data(4242, token="654321:another-bot")
    refused = await site.client.post("/study/tg", data={"init_data": forged})
    assert refused.status_code == 403 and "not valid" in refused.text
    old = await site.client.post("/study/tg", data={"init_data": init_data(4242, age=7200)})
    assert old.status_code == 403
    assert (await site.client.get("/study/")).status_code == 401

    signed = await site.client.post(
        "/study/tg", data={"init_data": init_data(4242), "next": "//evil.example/"}
    )
    assert signed.status_code == 200
    assert signed.json() == {"next": "/study/"}, "never sent to another site"
    home = await site.client.get("/study/")
    assert "From Telegram" in home.text
    assert 'lang="ko"' in home.text, "the page speaks the Telegram client's language"


async def test_another_site_cannot_sign_a_browser_in_through_the_mini_app(site: Site) -> None:
    """Login CSRF: a page on another site posts the attacker's own (valid) initData, which
    would swap the victim's session for the attacker's."""
    victim = await site.learner("victim")
    await site.app.store.save_deck(victim.id, deck(title="Victim deck"))
    await site.sign_in(victim)
    attackers = init_data(6666)
    refused = []
    for headers in (
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.study.test"},
        {"Origin": "null"},
    ):
        answer = await site.client.post("/study/tg", data={"init_data": attackers}, headers=headers)
        refused.append(answer.status_code)
        assert "set-cookie" not in answer.headers, headers
    assert refused == [403] * 5
    home = await site.client.get("/study/")
    assert "Victim deck" in home.text, "the victim's session was not swapped"
    own = await site.client.post(
        "/study/tg",
        data={"init_data": init_data(4242)},
        headers={"Origin": HOST, "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 200, "the Mini App's own page still signs in"


async def test_over_https_the_cookies_are_secure_and_the_mini_apps_may_live_in_a_frame(
    site: Site,
) -> None:
    transport = site.client._transport
    async with httpx.AsyncClient(transport=transport, base_url="https://study.test") as client:
        mini_app = await client.post("/study/tg", data={"init_data": init_data(4242)})
        link = await site.sign_in(await site.learner("alice"), client)
    framed = mini_app.headers["set-cookie"].lower()
    assert "secure" in framed and "samesite=none" in framed and "httponly" in framed
    linked = link.headers["set-cookie"].lower()
    assert "secure" in linked and "samesite=lax" in linked and "httponly" in linked


async def test_without_a_bot_token_the_mini_app_is_off(sim: Sim, tmp_path: Path) -> None:
    async with site_on(sim, tmp_path / "off.sqlite3") as (_, api):
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=HOST) as client:
            answer = await client.post("/study/tg", data={"init_data": init_data()})
    assert answer.status_code == 403 and "not set up" in answer.text


# -- who sees what ---------------------------------------------------------------------------


async def test_another_users_deck_is_refused_everywhere(site: Site) -> None:
    alice, bob = await site.learner("alice"), await site.learner("bob")
    bobs = await site.app.store.save_deck(bob.id, deck(video="bobVideo001", title="Bob's"))
    await site.sign_in(alice)
    home = await site.client.get("/study/")
    for path in (f"/study/decks/{bobs.id}", f"/study/decks/{bobs.id}/export?format=csv"):
        answer = await site.client.get(path)
        assert answer.status_code == 404, path
        assert "not yours" in answer.text and "Bob" not in answer.text
    bobs_card = (await site.app.store.deck_cards(bob.id, bobs.id))[0]
    known = await site.client.post(
        f"/study/decks/{bobs.id}/known", data={"card": bobs_card.id, "csrf": csrf_of(home.text)}
    )
    assert known.status_code == 404
    assert await site.app.store.known_words(bob.id) == frozenset()
    assert await site.app.store.known_words(alice.id) == frozenset()
    bad = await site.client.get("/study/decks/not-a-number")
    assert bad.status_code == 422 and "not valid" in bad.text


async def test_a_change_without_the_csrf_token_is_refused(site: Site) -> None:
    alice = await site.learner("alice")
    info = await site.app.store.save_deck(alice.id, deck())
    card = (await site.app.store.deck_cards(alice.id, info.id))[0]
    await site.sign_in(alice)
    page = await site.client.get(f"/study/decks/{info.id}")
    target = f"/study/decks/{info.id}/known"
    missing = await site.client.post(target, data={"card": card.id})
    forged = await site.client.post(target, data={"card": card.id, "csrf": "0" * 32})
    cross = await site.client.post(
        target,
        data={"card": card.id, "csrf": csrf_of(page.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert [missing.status_code, forged.status_code, cross.status_code] == [403, 403, 403]
    assert await site.app.store.known_words(alice.id) == frozenset()
    done = await site.client.post(target, data={"card": card.id, "csrf": csrf_of(page.text)})
    assert done.status_code == 303
    assert await site.app.store.known_words(alice.id) == {card.key}


async def test_an_api_key_still_works_for_scripts(site: Site) -> None:
    alice = await site.learner("alice")
    info = await site.app.store.save_deck(alice.id, deck(title="Scripted"))
    key, digest = new_api_key()
    await site.app.store.add_api_key(alice.id, digest)
    headers = {"Authorization": f"Bearer {key}"}
    page = await site.client.get(f"/study/decks/{info.id}", headers=headers)
    assert page.status_code == 200 and "Scripted" in page.text
    exported = await site.client.get(f"/study/decks/{info.id}/export?format=csv", headers=headers)
    assert exported.text.startswith("kind,front")
    wrong = await site.client.get("/study/", headers={"Authorization": "Bearer vk_nope"})
    assert wrong.status_code == 403


async def test_user_text_is_never_rendered_as_markup(site: Site) -> None:
    alice = await site.learner("alice")
    plain = deck(title="<img src=x onerror=alert(1)>", words=("hypothesis",))
    word = replace(
        plain.words[0],
        meaning="<script>alert('meaning')</script>",
        sentence="A <b>hypothesis</b> & more.",
    )
    info = await site.app.store.save_deck(alice.id, replace(plain, words=(word,)))
    await site.sign_in(alice)
    searched = (await site.client.get(f"/study/decks/{info.id}", params={"q": "<i>x"})).text
    assert "<i>x" not in searched and "&lt;i&gt;x" in searched
    everything = (await site.client.get(f"/study/decks/{info.id}")).text
    assert "<script>alert" not in everything
    assert "&lt;script&gt;alert(&#39;meaning" in everything
    assert "<img src=x" not in everything and "&lt;img src=x" in everything
    assert "A &lt;b&gt;<mark>hypothesis</mark>&lt;/b&gt; &amp; more." in everything, (
        "only the highlight around the word is markup"
    )


async def test_every_page_carries_a_strict_content_security_policy(site: Site) -> None:
    await site.sign_in(await site.learner("alice"))
    for path in ("/study/", "/study/review", "/study/tg", "/study/static/study.js"):
        answer = await site.client.get(path)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-src https://www.youtube-nocookie.com" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
    html = (await site.client.get("/study/")).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    api = await site.client.get("/v1/decks")
    assert "content-security-policy" not in api.headers, "the JSON API is left as it was"


# -- decks, search, flashcards ---------------------------------------------------------------


async def test_a_deck_lists_its_cards_with_tabs_search_and_the_clip_to_play(site: Site) -> None:
    alice = await site.learner("alice")
    handle = await site.app.actions.builds.submit(alice, "vocabDemo02")
    built = await handle.wait()
    assert built.deck is not None
    await site.sign_in(alice)
    words = (await site.client.get(f"/study/decks/{built.deck.id}")).text
    assert 'aria-current="page">Words' in words
    cards = await site.app.store.deck_cards(alice.id, built.deck.id, "word")
    first = cards[0].item
    assert isinstance(first, Word)
    assert first.end is not None and first.start is not None and first.end > first.start
    assert f'data-start="{int(first.start)}"' in words
    assert 'data-video="vocabDemo02"' in words
    phrases = (await site.client.get(f"/study/decks/{built.deck.id}?kind=phrase")).text
    assert 'aria-current="page">Phrases' in phrases
    found = await site.client.get(f"/study/decks/{built.deck.id}", params={"q": first.lemma})
    shown = found.text.count('<li class="card')
    assert 1 <= shown < COFFEE_WORDS and f"{shown} of {COFFEE_WORDS} cards" in found.text
    assert f'class="front">{first.lemma}<' in found.text
    none = await site.client.get(f"/study/decks/{built.deck.id}", params={"q": "zzqxj"})
    assert f"0 of {COFFEE_WORDS} cards" in none.text and "No card matches" in none.text


async def test_flashcards_are_the_quiz_the_chat_gives(site: Site) -> None:
    alice = await site.learner("alice")
    built = await (await site.app.actions.builds.submit(alice, "vocabDemo02")).wait()
    assert built.deck is not None
    await site.sign_in(alice)
    review = (await site.client.get("/study/review")).text
    assert "Due now: 0 · New today: 10" in review
    question = await site.app.actions.quiz.current(alice)
    assert question is not None, "the page opened /quiz's question"
    assert f'id="front">{question.front}<' in review
    flipped = (await site.client.get("/study/review", params={"flip": 1})).text
    assert "Test mode" in flipped, "simulated meanings say so on the card's back too"
    rated = await site.client.post(
        f"/study/review/{question.id}", data={"rating": 3, "csrf": csrf_of(review)}
    )
    assert rated.status_code == 303 and rated.headers["location"] == "/study/review"
    after = (await site.client.get("/study/review")).text
    assert "New today: 9" in after
    log = await site.app.store.review_log(alice.id)
    assert [(e.rating, e.question, e.correct) for e in log] == [(3, "flashcard", None)]
    again = await site.client.post(
        f"/study/review/{question.id}", data={"rating": 1, "csrf": csrf_of(after)}
    )
    assert again.status_code == 303 and len(await site.app.store.review_log(alice.id)) == 1, (
        "a second tap on a card that is over counts once, and shows the card that is open"
    )
    bad = await site.client.post(
        f"/study/review/{question.id}", data={"rating": 9, "csrf": csrf_of(after)}
    )
    assert bad.status_code == 422


def test_a_card_clip_stops_where_the_next_caption_begins() -> None:
    segments = [
        Segment(0, 0.0, 3.0, "Welcome back. Today we are going"),
        Segment(1, 3.0, 3.0, "to consolidate what we learned"),
        Segment(2, 6.0, 3.0, "last week."),
        Segment(3, 9.5, 2.0, "Then we rest for a while, all of us."),
    ]
    assert sentence_span(segments, 1, "consolidate") == (
        "Today we are going to consolidate what we learned last week.",
        0.0,
        9.5,
    )
    assert sentence_span(segments, 3, "rest")[1:] == (9.5, 11.5), "the last line: its end"
