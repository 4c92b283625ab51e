"""Defects a new Discord user hit: links followed by punctuation, a quiz /cancel could not
end, and forged button ids that made Discord say "This interaction failed"."""

import re
from typing import Any

import discord
import pytest

from bot import texts
from bot.discord.items import DYNAMIC_ITEMS
from tests.discord_harness import ALICE, BOB, Discord, Screen, button


@pytest.mark.parametrize(
    "url", ["Check this out: https://youtu.be/vocabDemo02.", "https://youtu.be/vocabDemo02!!"]
)
async def test_a_link_followed_by_punctuation_makes_a_deck(dc: Discord, url: str) -> None:
    screen = await dc.vocab(ALICE, url)
    assert screen.deferred and not screen.ephemeral
    embed = await dc.wait_for_embed(screen)
    assert embed.description is not None and "Words 1–5 of" in embed.description


async def test_a_link_during_a_quiz_works_and_cancel_ends_the_quiz(dc: Discord) -> None:
    await dc.wait_for_embed(await dc.vocab(ALICE, "vocabDemo02"))
    quiz_screen = Screen()
    await dc.run(dc.cog.quiz, dc.interaction(ALICE, quiz_screen))
    message = quiz_screen.sent
    # A question is open: a link still makes a deck.
    embed = await dc.wait_for_embed(await dc.vocab(ALICE, "https://youtu.be/vocabDemo01!"))
    assert embed.description is not None and "Words 1–5 of" in embed.description

    cancel = Screen()
    await dc.run(dc.cog.cancel, dc.interaction(ALICE, cancel))
    assert cancel.ephemeral and "Quiz ended" in cancel.ephemeral[0]
    alice = await dc.app.store.get_or_create_user(
        "discord", str(ALICE), learner_language="ko", level="B1"
    )
    assert await dc.app.quiz.current(alice.id) is None

    late = Screen()
    await button(message["view"], "1.").callback(dc.interaction(ALICE, late, message))
    assert late.ephemeral and "question is over" in late.ephemeral[0]
    again = Screen()
    await dc.run(dc.cog.cancel, dc.interaction(ALICE, again))
    assert "Nothing to cancel" in again.ephemeral[0]


FORGED = [
    f"v:p:{2**63}:w:0",
    f"v:p:{2**64}:p:1",
    f"v:k:{2**63}:w:0",
    f"v:x:{2**63}:csv",
    "v:x:1:exe",
    "v:p:-1:w:0",
    "v:p:٣:w:0",
    "v:p:1:w:0:extra",
    "v:qr:deadbeef:9",
    "v:qr:deadbeef:0",
    "v:qa:deadbeef:0",
    "v:qa:deadbeef:٣",
    "v:qt:",
    "v:qt:<@1>",
    "v:zz:1",
    "v:",
]


async def test_every_malformed_button_id_gets_the_polite_no_longer_valid_answer(
    dc: Discord,
) -> None:
    for custom_id in FORGED:
        (item_class,) = [
            cls
            for cls in DYNAMIC_ITEMS
            if re.fullmatch(cls.__discord_ui_compiled_template__, custom_id)
        ]
        match = re.fullmatch(item_class.__discord_ui_compiled_template__, custom_id)
        assert match is not None
        message: dict[str, Any] = {}
        pressed = discord.ui.Button[discord.ui.View](custom_id=custom_id)
        item = await item_class.from_custom_id(dc.interaction(BOB, Screen()), pressed, match)
        screen = Screen()
        await item.callback(dc.interaction(BOB, screen, message))
        assert screen.ephemeral == [texts.EXPIRED], custom_id
        assert message == {}, custom_id
