"""The Discord adapter: render limits and escaping, and the cog and button callbacks driven
with a small fake Interaction, against the simulated vLLM over real HTTP."""

import re
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot import texts
from bot.discord.buttons import DeckView, ExportButton, KnowButton, PageButton
from bot.discord.client import VocabotDiscord
from bot.discord.items import DYNAMIC_ITEMS
from bot.discord.quiz import AnswerButton, RateButton
from bot.discord.render import TOTAL, deck_embed, embed_size, safe
from core.i18n import translator
from core.jobs import JobUpdate
from core.models import Progress, Stage, Word
from core.store import Card, DeckInfo, Notify
from tests.discord_harness import ALICE, BOB, Discord, FakeMessage, Screen, button
from tests.factories import deck, deck_page


def info(words: int = 30) -> DeckInfo:
    return DeckInfo(
        id=7, user_id=1, video_id="dQw4w9WgXcQ", title="@everyone " + "t" * 500,
        learner_language="ko", level="B1", words=words, phrases=0, missing=(),
        created_at=datetime.now(UTC),
    )  # fmt: skip


def test_embeds_stay_inside_discords_limits_with_huge_inputs() -> None:
    word = Word(
        lemma="<@123456789012345678> **bold** " * 40, pos="n", meaning="뜻 @here " * 300,
        sentence="@everyone look ||spoiler|| " * 400, start=125.0, zipf=3.0,
        video_id="dQw4w9WgXcQ",
    )  # fmt: skip
    cards = [Card(i, 7, "word", word) for i in range(30)]
    embed = deck_embed(translator("en"), deck_page(info(), cards, "word", 2))
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.name or "") <= 256 and len(f.value or "") <= 1024 for f in embed.fields)
    assert embed_size(embed) <= TOTAL
    everything = str(embed.to_dict())
    assert "@everyone" not in everything and "@here" not in everything
    assert "<@123456789012345678>" not in everything
    assert "t=125" in everything


def test_safe_escapes_markdown_and_mentions() -> None:
    assert safe("@everyone **hi**") != "@everyone **hi**"
    assert "@everyone" not in safe("@everyone")


def test_button_ids_round_trip_and_fit() -> None:
    items = [
        PageButton(2**40, "phrase", 999, "▶"),
        KnowButton(2**40, "word", 12),
        ExportButton(2**40, "apkg"),
        AnswerButton("deadbeef", 4, "4. x" * 40),
        RateButton("deadbeef", 3),
    ]
    for item in items:
        custom_id = item.item.custom_id
        assert custom_id is not None and len(custom_id) <= 100
        assert any(
            re.fullmatch(cls.__discord_ui_compiled_template__, custom_id) for cls in DYNAMIC_ITEMS
        )


# -- commands and buttons -------------------------------------------------------------------------


async def test_vocab_defers_shows_progress_then_page_one(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "https://youtu.be/vocabDemo02")
    assert screen.deferred, "deferred within Discord's 3 seconds"
    embed = await dc.wait_for_embed(screen)
    assert embed.description is not None and "Words 1–5 of" in embed.description
    assert "youtu.be/vocabDemo02?t=" in str(embed.to_dict())
    view: discord.ui.View = screen.original["view"]
    assert button(view, "▶") and button(view, "Phrases") and button(view, "I know these")
    assert screen.original.get("content") is None


async def test_not_a_link_is_an_ephemeral_sentence(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "hello")
    assert screen.ephemeral == [texts.NOT_A_LINK] and not screen.deferred


async def test_no_captions_is_told(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "https://youtu.be/zzzzzzzzzz1")
    await dc.wait_for_answer(screen)
    assert "no captions" in screen.original["content"]


async def test_buttons_page_know_export_and_refuse_strangers(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    view: discord.ui.View = screen.original["view"]
    message: dict[str, Any] = {}

    # A stranger is refused politely, and nothing changes.
    stranger = Screen()
    await button(view, "▶").callback(dc.interaction(BOB, stranger, message))
    assert stranger.ephemeral == [texts.NOT_YOURS] and message == {}

    await button(view, "▶").callback(dc.interaction(ALICE, Screen(), message))
    assert "Words 6–10 of" in message["embed"].description

    await button(message["view"], "I know these").callback(dc.interaction(ALICE, Screen(), message))
    alice = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    assert len(await dc.app.store.known_words(alice.id)) == 5
    assert "✓ known" in str(message["embed"].to_dict())

    files = Screen()
    await button(message["view"], "CSV").callback(dc.interaction(ALICE, files, {}))
    assert files.files and files.files[0].filename.endswith(".csv")


async def test_buttons_rebuilt_from_their_ids_after_a_restart(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    shown = button(screen.original["view"], "▶")
    assert isinstance(shown, PageButton)
    match = re.fullmatch(PageButton.__discord_ui_compiled_template__, shown.custom_id)
    assert match is not None
    rebuilt = await PageButton.from_custom_id(dc.interaction(ALICE, Screen()), shown.item, match)
    message: dict[str, Any] = {}
    await rebuilt.callback(dc.interaction(ALICE, Screen(), message))
    assert "Words 6–10 of" in message["embed"].description


async def test_quiz_answer_and_rate(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    quiz_screen = Screen()
    await dc.run(dc.cog.quiz, dc.interaction(ALICE, quiz_screen))
    message = quiz_screen.sent
    alice = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    question = await dc.app.quiz.current(alice.id)
    assert question is not None and message["ephemeral"] is True
    right = question.options.index(question.answer) + 1
    await button(message["view"], f"{right}.").callback(dc.interaction(ALICE, Screen(), message))
    assert message["embed"].title == "✅ Right!"
    await button(message["view"], "Good").callback(dc.interaction(ALICE, Screen(), message))
    assert "Next review" in message["content"]
    assert len(await dc.app.store.review_log(alice.id)) == 1


async def test_settings_known_stats_decks(dc: Discord) -> None:
    screen = Screen()
    choice = discord.app_commands.Choice(name="Japanese", value="ja")
    await dc.run(dc.cog.settings, dc.interaction(ALICE, screen), learner_language=choice)
    assert "Japanese" in screen.ephemeral[0]
    decks = Screen()
    await dc.run(dc.cog.decks, dc.interaction(ALICE, decks))
    assert decks.ephemeral == [texts.NO_DECKS]
    known = Screen()
    await dc.run(dc.cog.known, dc.interaction(ALICE, known), word="@everyone barista")
    assert "@everyone" not in known.ephemeral[0] and "barista" in known.ephemeral[0]


async def test_a_job_resumed_after_a_restart_is_posted_in_its_channel(
    dc: Discord, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = VocabotDiscord(dc.app)
    posted: list[dict[str, Any]] = []

    class Channel(discord.abc.Messageable):
        async def _get_channel(self) -> Any:
            return self

        async def send(self, content: str | None = None, **kw: Any) -> Any:
            posted.append({"content": content, **kw})

    monkeypatch.setattr(client, "get_channel", lambda _id: Channel())
    user = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    info = await dc.app.store.save_deck(user.id, deck())
    target = Notify("discord", "555")
    await client.notify(
        target, JobUpdate("j1", user.id, "v", Progress(Stage.QUEUED, detail="resumed"))
    )
    await client.notify(target, JobUpdate("j1", user.id, "v", Progress(Stage.DONE), deck=info))
    await client.notify(target, JobUpdate("j2", user.id, "v", Progress(Stage.DONE), deck=info))
    assert len(posted) == 1, "only resumed jobs are posted; live ones edit their interaction"
    assert f"<@{ALICE}>" in posted[0]["content"] and posted[0]["embed"].fields
    assert posted[0]["allowed_mentions"].users[0].id == ALICE
    await client.close()


async def test_only_the_owner_may_press_and_old_pages_are_disabled(dc: Discord) -> None:
    screen = await dc.vocab(ALICE, "vocabDemo02")
    await dc.wait_for_embed(screen)
    view: DeckView = screen.original["view"]
    stranger = Screen()
    assert not await view.interaction_check(dc.interaction(BOB, stranger))
    assert stranger.ephemeral == [texts.NOT_YOURS], "a polite refusal, not 'interaction failed'"
    assert await view.interaction_check(dc.interaction(ALICE, Screen()))

    shown: dict[str, Any] = {}
    view.message = FakeMessage(shown)
    await view.on_timeout()
    buttons = [getattr(item, "item", item) for item in shown["view"].children]
    assert buttons and all(b.disabled for b in buttons)
