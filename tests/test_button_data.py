"""Button data comes back from chat clients and may be forged: every decoder, fed anything,
either refuses it or hands on values a store read can take (ids SQLite can hold, ratings and
answers 1-4)."""

import asyncio
import re
import sqlite3
from typing import Any, cast

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.discord.common import Inter
from bot.discord.items import DYNAMIC_ITEMS, StaleButton
from bot.discord.quiz import AnswerButton, RateButton
from bot.telegram.callback_data import NOOP, Press, decode, encode

SQLITE_MAX = 2**63 - 1
FIELD = st.one_of(
    st.sampled_from([2**63, 2**64, 10**30, -1, 0, 5, 9, 99]).map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "w", "p", "apkg", "csv", "ko", "B1", "deadbeef", "٣", "1e3", " 1"]),
    st.text(max_size=12),
)
# What we send, with one field swapped for something forged.
SENT = ["p|12|w|0", "K|12|p|3", "k|12|34|0", "x|12|csv", "d|12", "sl|ko", "sv|B1"]
SENT += ["qa|0a1b2c3d|2", "qr|0a1b2c3d|3", "qs|0a1b2c3d", NOOP]


def swap(data: str, index: int, value: str, separator: str = "|", keep: int = 0) -> str:
    """`data` with one of its fields (after the first `keep`) replaced by `value`."""
    parts = data.split(separator)
    parts[keep + index % (len(parts) - keep)] = value
    return separator.join(parts)


FORGED = st.one_of(
    st.builds(swap, st.sampled_from(SENT), st.integers(0, 3), FIELD),
    st.text(max_size=64),
)


def assert_safe_for_the_store(press: Press) -> None:
    for value in (press.deck_id, press.card_id, press.page):
        assert 0 <= value <= SQLITE_MAX
        sqlite3.connect(":memory:").execute("select ?", (value,))  # no OverflowError
    if press.action in ("qa", "qr"):
        assert 1 <= press.page <= 4, press
    if press.action == "x":
        assert press.value in ("apkg", "csv")


@given(FORGED)
def test_telegram_decode_refuses_or_returns_safe_values(data: str) -> None:
    press = decode(data)
    if press is not None:
        assert_safe_for_the_store(press)


@given(
    deck=st.integers(min_value=1, max_value=10**18 - 1),
    card=st.integers(min_value=1, max_value=10**18 - 1),
    page=st.integers(min_value=0, max_value=999_999),
    rating=st.integers(min_value=1, max_value=4),
)
def test_telegram_data_we_send_decodes_to_what_we_meant(
    deck: int, card: int, page: int, rating: int
) -> None:
    assert decode(encode("p", deck, "w", page)) == Press("p", deck, "word", page)
    assert decode(encode("k", deck, card, page)) == Press("k", deck, page=page, card_id=card)
    assert decode(encode("qr", "0a1b2c3d", rating)) == Press("qr", value="0a1b2c3d", page=rating)


def test_telegram_decode_refuses_the_forgeries_that_broke_presses() -> None:
    for data in [
        f"p|{2**63}|w|0",
        f"k|1|{2**64}|0",
        f"d|{2**63}",
        f"x|{2**63}|csv",
        "qr|0a1b2c3d|9",
        "qr|0a1b2c3d|0",
        "qa|0a1b2c3d|99",
        "p|-1|w|0",
        "p|٣|w|0",
        "p|1|w|0|extra",
    ]:
        assert decode(data) is None, data


DISCORD_SENT = ["v:p:12:w:0", "v:k:12:p:3", "v:x:12:csv", "v:qa:0a1b2c3d:2", "v:qt:0a1b2c3d"]
DISCORD_SENT += ["v:qr:0a1b2c3d:3"]
DISCORD_FORGED = st.one_of(
    st.builds(
        lambda data, index, value: swap(data, index, value, ":", keep=2),
        st.sampled_from(DISCORD_SENT),
        st.integers(0, 2),
        FIELD,
    ),
    st.text(max_size=100).map(lambda t: "v:" + t),
)


Decoder = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]
# Decoding reads the id alone; no interaction is needed (nor, in this sync test, at hand).
NO_INTERACTION = cast(Inter, None)


def matching(custom_id: str) -> list[Decoder]:
    return [
        cls
        for cls in DYNAMIC_ITEMS
        if re.fullmatch(cls.__discord_ui_compiled_template__, custom_id)
    ]


@given(DISCORD_FORGED)
def test_every_discord_button_id_of_ours_has_exactly_one_safe_decoder(custom_id: str) -> None:
    classes = matching(custom_id)
    assert len(classes) == 1, (custom_id, classes)
    match = re.fullmatch(classes[0].__discord_ui_compiled_template__, custom_id)
    assert match is not None
    pressed = discord.ui.Button[discord.ui.View](custom_id=custom_id)
    item = asyncio.run(classes[0].from_custom_id(NO_INTERACTION, pressed, match))
    for name in ("deck_id", "page"):
        if hasattr(item, name):
            value = getattr(item, name)
            assert 0 <= value <= SQLITE_MAX
            sqlite3.connect(":memory:").execute("select ?", (value,))
    if isinstance(item, RateButton):
        assert 1 <= item.rating <= 4
    if isinstance(item, AnswerButton):
        assert 1 <= item.number <= 4


def test_discord_forgeries_that_broke_presses_go_to_the_stale_button() -> None:
    for custom_id in [
        f"v:p:{2**63}:w:0",
        f"v:k:{2**64}:p:1",
        f"v:x:{2**63}:csv",
        "v:qr:deadbeef:9",
        "v:qa:deadbeef:0",
        "v:qa:deadbeef:٣",
        "v:p:1:w:0:extra",
        "v:zz:1",
    ]:
        assert matching(custom_id) == [StaleButton], custom_id
