"""DECK_SIZE in the chat faces, as a learner sees it: /settings size and level (CEFR,
TOEIC, 수능), a deck's first cards with "More words" one press away, and its buttons
belonging to the learner who got them (Telegram and the console chat)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot import texts
from bot.cli import main
from bot.discord.buttons import MoreButton
from bot.settings_args import SettingsChange, parse_settings
from core.config import Settings
from core.models import shown_counts
from devtools.samples import COFFEE_HOWTO
from tests import test_study
from tests.conftest import Sim
from tests.discord_harness import ALICE as DC_ALICE
from tests.discord_harness import BOB as DC_BOB
from tests.discord_harness import Discord, Screen, button
from tests.http_harness import Api, finish
from tests.sample_decks import (
    COFFEE_B2_PHRASES,
    COFFEE_B2_WORDS,
    COFFEE_CARDS,
    COFFEE_WORDS,
    shown,
)
from tests.telegram_harness import ALICE, BOB, TG
from tests.test_console_chat import chat
from tests.test_study import Site

site = test_study.site  # the study page over HTTP, as tests/test_study.py uses it
SHOWN_12 = shown(12)  # (words, phrases) of the coffee deck first with DECK_SIZE 12


async def test_telegram_settings_by_text(tg: TG) -> None:
    size = (await tg.reply_to(ALICE, "/settings size 6"))[0]
    assert "Cards first: <b>6 cards</b>" in size.text
    level = (await tg.reply_to(ALICE, "/settings level toeic 650"))[0]
    assert "B1 intermediate" in level.text
    level = (await tg.reply_to(ALICE, "/settings 수능 1등급"))[0]
    assert "B2 upper-intermediate" in level.text
    bad = (await tg.reply_to(ALICE, "/settings level toeic 2000"))[0]
    assert "toeic 650" in bad.plain and "csat 2" in bad.plain and "Traceback" not in bad.text
    bad_size = (await tg.reply_to(ALICE, "/settings size 1000"))[0]
    assert "at most 200" in bad_size.plain
    usage = (await tg.reply_to(ALICE, "/settings banana"))[0]
    assert "/settings size 20" in usage.plain
    shown = (await tg.reply_to(ALICE, "/settings"))[0]
    assert "Cards first: <b>6 cards</b>" in shown.text and "B2" in shown.text
    await tg.press(ALICE, shown, shown.button("🗂 20"))
    assert "Cards first: <b>20 cards</b>" in shown.text


async def test_telegram_korean_settings_and_counts(tg: TG) -> None:
    await tg.reply_to(ALICE, "/settings ui ko")
    bad = (await tg.reply_to(ALICE, "/settings level 수능 10등급"))[0]
    assert "수능 2등급" in bad.plain and "토익" in bad.plain
    size = (await tg.reply_to(ALICE, "/settings 크기 6"))[0]
    assert "먼저 볼 카드: 카드 6장" in size.plain
    level = (await tg.reply_to(ALICE, "/settings 수준 토익 800점"))[0]
    assert "B2" in level.plain and "/settings 수준 토익 650" in level.plain
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo01")
    page = await tg.final_message(ALICE)
    assert re.search(r"단어 \d+개 중 \d+개 · 단어 \d+개 더", page.plain)
    assert "➕ 단어 더 보기" in " ".join(label for label, _ in page.buttons())


async def test_telegram_shows_the_first_cards_and_more_words_one_press_away(tg: TG) -> None:
    await tg.reply_to(ALICE, "/settings size 6")
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo01")
    page = await tg.final_message(ALICE)
    alice = await tg.app.actions.learners.user("telegram", ALICE)
    info = (await tg.app.actions.decks.all(alice))[0]
    words, _ = shown_counts(info.words, info.phrases, 6)
    more = info.words - words
    assert f"{words} of {info.words} words, {more} more" in page.plain
    labels = [label for label, _ in page.buttons()]
    assert f"➕ More words ({more})" in labels
    assert "▶" not in labels, "the shown part fits one page: More, not ▶"

    # Someone else pressing Alice's More changes nothing.
    before = page.text
    assert await tg.press(BOB, page, page.button("More words")) == texts.NOT_YOURS
    assert page.text == before

    await tg.press(ALICE, page, page.button("More words"))
    assert f"Words {words + 1}–{words + 5} of {info.words}" in page.plain
    labels = [label for label, _ in page.buttons()]
    assert "◀" in labels and not any("More words" in lb for lb in labels)
    await tg.press(ALICE, page, page.button("◀"))
    assert f"Words 1–{words} of {info.words}" in page.plain


async def test_console_first_cards_then_more(sim: Sim, tmp_path: Path) -> None:
    out = await chat(
        sim,
        tmp_path / "c.sqlite3",
        [
            "/settings size 12",
            "https://youtu.be/vocabDemo02",
            "/next",
            "/next",  # the end of the shown part: a pointer to /more
            "/more",
            "/next",
            "/prev",
            "/settings level 수능 2등급",
            "/settings level toeic 9999",
            "/settings size 3",
        ],
    )
    assert "Cards first: 12 cards" in out
    # 12 cards first: this deck's phrases (a third at most) and its best words
    w, n, more = SHOWN_12[0], COFFEE_WORDS, COFFEE_WORDS - SHOWN_12[0]
    assert f"{w} of {n} words, {more} more · /more" in out and f"Words 1–5 of {n}" in out
    assert f"Words 6–{w} of {n}" in out
    assert f"That's the end of the first {w}. Send /more for {more} more." in out
    assert out.index(f"end of the first {w}") < out.index(f"Words {w + 1}–{w + 5} of {n}")
    assert f"Words {w + 6}–{w + 10} of {n}" in out
    assert "Your level: B1 intermediate" in out
    assert "a TOEIC score (toeic 650)" in out
    assert "at least 5 and at most 200" in out
    assert "Traceback" not in out


async def test_discord_more_words_and_settings(dc: Discord) -> None:
    screen = Screen()
    await dc.run(
        dc.cog.settings, dc.interaction(DC_ALICE, screen), deck_size=12, level_as="토익 800"
    )
    assert "Cards first: **12 cards**" in screen.ephemeral[0]
    assert "B2 upper-intermediate" in screen.ephemeral[0]
    bad = Screen()
    await dc.run(dc.cog.settings, dc.interaction(DC_ALICE, bad), level_as="toeic nine")
    assert "toeic 650" in bad.ephemeral[0] and "csat 2" in bad.ephemeral[0]

    page = await dc.vocab(DC_ALICE, "vocabDemo02")
    await dc.wait_for_embed(page)
    first = page.original  # at B2 this video has fewer words
    b2_words, _ = shown(12, COFFEE_B2_WORDS, COFFEE_B2_PHRASES)
    b2_more = COFFEE_B2_WORDS - b2_words
    assert f"{b2_words} of {COFFEE_B2_WORDS} words, {b2_more} more" in first["embed"].description
    more = button(first["view"], f"More words ({b2_more})")
    assert isinstance(more, MoreButton)
    stranger, untouched = Screen(), dict[str, Any]()
    await more.callback(dc.interaction(DC_BOB, stranger, untouched))
    assert stranger.ephemeral == [texts.NOT_YOURS] and untouched == {}
    message: dict[str, Any] = {}
    await more.callback(dc.interaction(DC_ALICE, Screen(), message))
    assert (
        f"Words {b2_words + 1}–{b2_words + 5} of {COFFEE_B2_WORDS}" in message["embed"].description
    )
    labels = [getattr(item, "label", "") for item in message["view"].children]
    assert not any("More words" in str(label) for label in labels)
    ids = [getattr(item, "custom_id", "") for item in message["view"].children]
    assert len(ids) == len(set(ids)), "every button of a page has its own id"


async def test_api_deck_is_its_first_cards_with_the_rest_counted(api: Api) -> None:
    alice = await api.app.actions.learners.user("api", "alice")
    await api.app.actions.learners.update_settings(alice, deck_size=12)
    created = await api.client.post(
        "/v1/jobs", json={"url": "https://youtu.be/vocabDemo02"}, headers=api.alice
    )
    deck_id = (await finish(api, created.json()["job_id"], api.alice))[-1]["deck_id"]
    deck = (await api.client.get(f"/v1/decks/{deck_id}", headers=api.alice)).json()
    w, p = SHOWN_12
    assert (deck["shown_words"], deck["shown_phrases"], len(deck["cards"])) == (w, p, 12)
    assert deck["more"] == COFFEE_CARDS - 12
    assert deck["more_url"] == f"/v1/decks/{deck_id}?all=true"
    everything = (await api.client.get(deck["more_url"], headers=api.alice)).json()
    assert len(everything["cards"]) == COFFEE_CARDS and everything["more"] == 0
    assert everything["cards"][:w] == deck["cards"][:w], "the same best words first"
    listed = (await api.client.get("/v1/decks", headers=api.alice)).json()
    assert listed[0]["shown_words"] == w and listed[0]["cards"] is None
    shown = await api.client.get(f"/v1/decks/{deck_id}/export?part=shown", headers=api.alice)
    full = await api.client.get(f"/v1/decks/{deck_id}/export", headers=api.alice)
    assert len(shown.text.strip().splitlines()) == 1 + 12
    assert len(full.text.strip().splitlines()) == 1 + COFFEE_CARDS
    bad = await api.client.get(f"/v1/decks/{deck_id}/export?part=half", headers=api.alice)
    assert bad.status_code == 422
    theirs = await api.client.get(f"/v1/decks/{deck_id}?all=true", headers=api.bob)
    assert theirs.status_code == 404


async def test_study_page_lists_the_first_cards_and_links_the_rest(site: Site) -> None:
    alice = await site.learner("alice")
    await site.app.actions.learners.update_settings(alice, deck_size=12)
    built = await (await site.app.actions.builds.submit(alice, "vocabDemo02")).wait()
    assert built.deck is not None
    await site.sign_in(alice)
    first = (await site.client.get(f"/study/decks/{built.deck.id}")).text
    w, n = SHOWN_12[0], COFFEE_WORDS
    assert first.count('<li class="card') == w and f"{w} of {n} cards" in first
    assert f"{w} of {n} words, {n - w} more" in first
    assert f'href="?kind=word&amp;more=1">➕ More words ({n - w})</a>' in first
    everything = (await site.client.get(f"/study/decks/{built.deck.id}?kind=word&more=1")).text
    assert everything.count('<li class="card') == n and "More words" not in everything
    found = await site.client.get(f"/study/decks/{built.deck.id}", params={"q": "stale"})
    assert 'class="front">stale<' in found.text, "a search looks through every card"


async def test_console_export_all_or_only_the_first_cards(sim: Sim, tmp_path: Path) -> None:
    every, first = tmp_path / "all.csv", tmp_path / "first.csv"
    await chat(
        sim,
        tmp_path / "e.sqlite3",
        [
            "/settings size 12",
            "https://youtu.be/vocabDemo02",
            f"/export csv {every}",
            f"/export csv shown {first}",
        ],
    )
    assert len(every.read_text(encoding="utf-8").strip().splitlines()) == 1 + COFFEE_CARDS
    assert len(first.read_text(encoding="utf-8").strip().splitlines()) == 1 + 12


def test_cli_build_json_says_how_many_cards_come_first(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIM_SPEEDUP", "200")
    monkeypatch.setenv("DECK_SIZE", "12")
    assert main(["build", str(COFFEE_HOWTO), "--json"]) == 0
    deck = json.loads(capsys.readouterr().out)
    assert deck["deck_size"] == 12 and deck["shown_words"] + deck["shown_phrases"] == 12
    assert deck["more"] == len(deck["words"]) + len(deck["phrases"]) - 12 > 0


def test_a_bad_deck_size_setting_is_refused_at_start() -> None:
    with pytest.raises(ValidationError):
        Settings(deck_size=2)
    assert Settings(deck_size=200).deck_size == 200


@pytest.mark.parametrize(
    ("typed", "change"),
    [
        ("", SettingsChange()),
        ("ja B2", SettingsChange(learner_language="ja", level="B2")),
        ("b1", SettingsChange(level="b1")),  # core normalises it
        ("level toeic 650", SettingsChange(level="toeic 650")),
        ("toeic 650", SettingsChange(level="toeic 650")),
        ("수능 2등급", SettingsChange(level="수능 2등급")),
        ("수준 토익 800점", SettingsChange(level="토익 800점")),
        ("level nonsense", SettingsChange(level="nonsense")),  # core says what a level is
        ("size 20", SettingsChange(deck_size="20")),
        ("크기 20", SettingsChange(deck_size="20")),
        ("ui KO", SettingsChange(interface_language="ko")),
        ("banana", None),
        ("size", None),
        ("ko toeic 650", None),
    ],
)
def test_settings_typed_as_text(typed: str, change: SettingsChange | None) -> None:
    assert parse_settings(typed) == change
