"""Progressive delivery: the deck's first page as soon as its first chunk answers, later
chunks filling in without reshuffling it, in every face (issue 28)."""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.app import open_app
from bot.console.chat import ConsoleChat
from core.config import Settings
from core.jobs import JobUpdate, Listener
from core.llm import LLMClient
from core.models import PAGE_SIZE, Progress, Stage, Word
from core.pipeline import DeckRequest, Pipeline
from core.queue._wire import MAX_PAYLOAD, Event
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim
from tests.console_script import script
from tests.discord_harness import ALICE as DISCORD_ALICE
from tests.discord_harness import Discord
from tests.http_harness import Api
from tests.progressive import FirstChunkLast, FirstChunkOnly
from tests.telegram_harness import ALICE, TG


async def test_the_first_chunk_is_small_and_its_page_comes_first(
    pipeline: Pipeline, sim: Sim
) -> None:
    pipeline.chunk_first_items = 5
    seen: list[Progress] = []

    async def on_progress(p: Progress) -> None:
        seen.append(p)

    request = DeckRequest("vocabDemo02")
    deck = await pipeline.build(request, on_progress)
    chunks = pipeline.plan(await pipeline.fetch_transcript(request), request)
    sizes = [len(c.candidates) + len(c.phrases) for c in chunks]
    assert sizes[0] <= 5 < max(sizes[1:]), sizes
    # The small first chunk holds the video's best-ranked words, so the page holds them.
    every = sorted((c for chunk in chunks for c in chunk.candidates), key=lambda c: -c.score)
    assert {c.lemma for c in chunks[0].candidates} == {c.lemma for c in every[:5]}
    pages = [p.page for p in seen if p.page]
    assert pages, "a page before the deck"
    first = pages[0]
    assert 0 < len(first) <= PAGE_SIZE
    for later in pages[1:]:
        assert later[: len(first)] == first, "a later chunk never reshuffles the page"
        first = later
    # The saved deck starts with the page the learner was reading.
    assert deck.words[: len(pages[-1])] == pages[-1]
    assert {w.lemma for w in pages[0]} <= {c.lemma for c in chunks[0].candidates}


async def test_the_deck_is_the_same_whatever_order_chunks_answer_in(
    pipeline: Pipeline, llm: LLMClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.chunk_first_items = 5
    request = DeckRequest("vocabDemo02")
    in_order = await pipeline.build(request)
    slow_first = FirstChunkLast(llm, monkeypatch, in_order.stats.chunks)
    pages: list[tuple[Word, ...]] = []

    async def on_progress(p: Progress) -> None:
        if p.page:
            pages.append(p.page)

    again = await pipeline.build(request, on_progress)
    assert slow_first.calls == in_order.stats.chunks
    assert again.words == in_order.words and again.phrases == in_order.phrases
    # Nothing to show until the first chunk answered: the page fills in chunk order.
    assert pages and all(p == pages[0] for p in pages)


async def test_the_event_stream_sends_the_first_page_before_the_rest_is_asked(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.app.core is not None
    hold = FirstChunkOnly(api.app.core.llm, monkeypatch)
    subscribe = api.app.runner.subscribe

    def watched(user_id: int, job_id: str, listener: Listener) -> bool:
        async def seeing(update: JobUpdate) -> None:
            await listener(update)
            if update.progress.page:
                hold.go.set()  # the stream has the page: let the other chunks answer

        return subscribe(user_id, job_id, seeing)

    monkeypatch.setattr(api.app.runner, "subscribe", watched)
    created = await api.client.post(
        "/v1/jobs", json={"url": "https://youtu.be/vocabDemo02"}, headers=api.alice
    )
    job_id = created.json()["job_id"]
    response = await api.client.get(f"/v1/jobs/{job_id}/events", headers=api.alice)
    events = _events(response.text)
    names = [name for name, _ in events]
    assert "page" in names and names[-1] == "end"
    assert names.index("page") < names.index("end")
    page = events[names.index("page")][1]
    assert page["status"] == "running" and page["done"] == 1 < page["total"]
    assert 0 < len(page["page"]) <= PAGE_SIZE and page["found"] >= len(page["page"])
    assert all(c["front"] and c["meaning"] and c["sentence"] for c in page["page"])
    end = events[-1][1]
    assert end["status"] == "done" and end["page"] == []
    # The deck's first cards are the page the learner was reading, in its order.
    deck = (await api.client.get(f"/v1/decks/{end['deck_id']}", headers=api.alice)).json()
    fronts = [c["front"] for c in deck["cards"] if c["kind"] == "word"]
    last_page = [e for n, e in events if n == "page"][-1]["page"]
    assert fronts[: len(last_page)] == [c["front"] for c in last_page]


async def test_a_word_the_learner_knows_is_not_on_the_page(
    api: Api, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.chunk_first_items = 5
    best = (await pipeline.build(DeckRequest("vocabDemo02"))).words[0].lemma
    alice = await api.app.store.get_or_create_user(
        "api", "alice", learner_language="ko", level="B1"
    )
    await api.app.store.add_known_words(alice.id, [best])
    assert api.app.core is not None
    hold = FirstChunkOnly(api.app.core.llm, monkeypatch)
    seen: list[JobUpdate] = []
    ended = asyncio.Event()

    async def seeing(update: JobUpdate) -> None:
        seen.append(update)
        if update.progress.page:
            hold.go.set()
        if update.finished:
            ended.set()

    created = await api.client.post(
        "/v1/jobs", json={"url": "https://youtu.be/vocabDemo02"}, headers=api.alice
    )
    assert api.app.runner.subscribe(alice.id, created.json()["job_id"], seeing)
    await ended.wait()
    done = seen[-1]
    page = next(u.progress.page for u in seen if u.progress.page)
    assert best not in [w.lemma for w in page]
    assert done.deck is not None
    first = await api.app.actions.decks.page(alice, done.deck.id)
    assert [c.card.front for c in first.cards][: len(page)] == [w.lemma for w in page]


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, its JSON) of a server-sent event stream."""
    out: list[tuple[str, dict[str, Any]]] = []
    name = "message"
    for line in text.splitlines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            out.append((name, json.loads(line[6:])))
            name = "message"
    return out


async def test_telegram_shows_the_first_page_before_the_deck(
    tg: TG, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tg.app.core is not None
    hold = FirstChunkOnly(tg.app.core.llm, monkeypatch)
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    reply = (await tg.fake.wait_for(lambda: tg.fake.sent(ALICE)))[0]

    def building() -> str | None:
        edits = tg.fake.calls_of("editMessageText")
        texts = [c.params["text"] for c in edits if c.params["message_id"] == reply.message_id]
        return next((t for t in texts if "Your first cards" in t), None)

    page = await tg.fake.wait_for(building)
    assert "1. <b>" in page and "more are coming" in page
    assert "Explaining words" in page and "1/" in page, "the counts stay on the page"
    words = re.findall(r"^\d+\. <b>([^<]+)</b>", page, re.M)
    assert 0 < len(words) <= PAGE_SIZE
    assert not [m for m in tg.fake.sent(ALICE) if "Words 1–" in m.text], "no deck yet"

    hold.go.set()
    deck = await tg.final_message(ALICE)
    assert deck.message_id == reply.message_id, "the page becomes the deck"
    assert re.findall(r"^\d+\. <b>([^<]+)</b>", deck.text, re.M)[: len(words)] == words


async def test_discord_shows_the_first_page_before_the_deck(
    dc: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dc.app.core is not None
    hold = FirstChunkOnly(dc.app.core.llm, monkeypatch)
    screen = await dc.vocab(DISCORD_ALICE, "https://youtu.be/vocabDemo02")
    async with asyncio.timeout(10):  # (a guard: a missing page fails, not hangs)
        while "Your first cards" not in str(screen.original.get("content") or ""):
            screen.changed.clear()
            await screen.changed.wait()
    page = str(screen.original["content"])
    assert "more are coming" in page and "1/" in page
    assert screen.original.get("embed") is None, "no deck yet"
    words = re.findall(r"^\*\*\d+\. (.+?)\*\*", page, re.M)
    assert 0 < len(words) <= PAGE_SIZE

    hold.go.set()
    embed = await dc.wait_for_embed(screen)
    names = [str(f.name) for f in embed.fields]
    fronts = [n.split(". ", 1)[1].split(" · ")[0] for n in names[: len(words)]]
    fronts = [re.sub(r" /[^/]+/$", "", front) for front in fronts]  # the deck adds the IPA
    assert fronts == words


async def test_the_console_prints_the_first_page_and_says_more_are_coming(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    console = Console(file=screen, width=120, force_terminal=False)
    settings = Settings(llm_base_url=sim.url, user_cooldown_seconds=0, db_path=tmp_path / "c.db")
    async with open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app:
        assert app.core is not None
        hold = FirstChunkOnly(app.core.llm, monkeypatch)
        chat = ConsoleChat(app, console)
        typed = script(["https://youtu.be/vocabDemo02"], chat)
        told = chat.tell
        page_printed = asyncio.Event()
        page = ""

        def tell(text: str) -> None:
            told(text)
            if "more are coming" in text:
                page_printed.set()

        async def read_line() -> str | None:
            nonlocal page
            if not typed_once.is_set():
                typed_once.set()
                return await typed()
            async with asyncio.timeout(10):  # (a guard: a missing page fails, not hangs)
                await page_printed.wait()  # while the build runs: the page is on the screen
            page = screen.getvalue()
            hold.go.set()
            return await typed()  # (the end of the script, once the deck is shown)

        typed_once = asyncio.Event()
        monkeypatch.setattr(chat, "tell", tell)
        chat.read_line = read_line
        await chat.run()
    out = screen.getvalue()
    assert page and "Words 1–5 of" not in page, "the page came before the deck"
    words = re.findall(r"^\d+\. (\S+)", page.split("more are coming", 1)[1], re.M)
    assert 0 < len(words) <= PAGE_SIZE
    deck = out[len(page) :]
    assert "Words 1–5 of" in deck
    where = [deck.find(f" {w} ") for w in words]
    assert -1 not in where and where == sorted(where), "the deck starts with the page"


def test_a_page_fits_a_notify_payload() -> None:
    word = Word("serendipity", "noun", "뜻" * 80, "ça coûté " * 33, 1.0, 2.0, "vid")
    progress = Progress(Stage.EXTRACTING, 1, 40, page=(word,) * PAGE_SIZE, found=9)
    event = Event.of(JobUpdate("job", 7, "vid", progress))
    payload = event.dumps()
    assert len(payload.encode()) <= MAX_PAYLOAD
    back = Event.loads(payload).progress
    assert back.found == 9 and [w.lemma for w in back.page] == ["serendipity"] * PAGE_SIZE
    assert back.page[0].meaning == word.meaning and back.page[0].sentence.endswith("…")
    small = Progress(Stage.EXTRACTING, 1, 40, page=(replace(word, sentence="Short."),), found=1)
    assert Event.loads(Event.of(JobUpdate("job", 7, "vid", small)).dumps()).progress == small
