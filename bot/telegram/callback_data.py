"""What a Telegram button carries: ids only, at most 64 bytes, one pattern per action.

Button data comes back from the chat client and can be forged. Each action's pattern
accepts only ASCII digits for ids SQLite can hold, short pages, answers and ratings 1-4,
and question ids as the quiz makes them (bot/buttons.py); PTB routes a press to the handler
whose pattern matches it in full, and anything else is a stale button.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.buttons import ID, OPTION, PAGE, QUESTION, RATING
from core import CardKind

NOOP = "n"


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded button press."""

    action: str
    deck_id: int = 0
    kind: CardKind = "word"
    page: int = 0
    card_id: int = 0
    value: str = ""
    owner: int = 0  # the account a button is for (/forget's confirmation)


def encode(*parts: object) -> str:
    data = "|".join(str(p) for p in parts)
    assert len(data.encode()) <= 64, data
    return data


def kind_code(kind: CardKind) -> str:
    return "w" if kind == "word" else "p"


def _kind(m: re.Match[str]) -> CardKind:
    return "word" if m["kind"] == "w" else "phrase"


Build = Callable[[re.Match[str]], Press]
# action -> (its pattern, matched in full; how a match becomes a Press)
ACTIONS: dict[str, tuple[re.Pattern[str], Build]] = {
    # a page of a deck (also a tab), and "I know all of these" for a page
    "page": (
        re.compile(rf"p\|(?P<deck>{ID})\|(?P<kind>[wp])\|(?P<page>{PAGE})\Z"),
        lambda m: Press("p", int(m["deck"]), _kind(m), int(m["page"])),
    ),
    "known_page": (
        re.compile(rf"K\|(?P<deck>{ID})\|(?P<kind>[wp])\|(?P<page>{PAGE})\Z"),
        lambda m: Press("K", int(m["deck"]), _kind(m), int(m["page"])),
    ),
    "known_card": (
        re.compile(rf"k\|(?P<deck>{ID})\|(?P<card>{ID})\|(?P<page>{PAGE})\Z"),
        lambda m: Press("k", int(m["deck"]), page=int(m["page"]), card_id=int(m["card"])),
    ),
    "export": (
        re.compile(rf"x\|(?P<deck>{ID})\|(?P<fmt>apkg|csv)\Z"),
        lambda m: Press("x", int(m["deck"]), value=m["fmt"]),
    ),
    "open_deck": (
        re.compile(rf"d\|(?P<deck>{ID})\Z"),
        lambda m: Press("d", int(m["deck"])),
    ),
    # settings: learner language, level, interface language, deck size (the action checks
    # the value)
    "setting": (
        re.compile(r"(?P<a>sl|sv|su|sd)\|(?P<v>[A-Za-z0-9-]{1,10})\Z"),
        lambda m: Press(m["a"], value=m["v"]),
    ),
    # quiz: answer option n / rate 1-4, of question id; show the answer
    "answer": (
        re.compile(rf"qa\|(?P<q>{QUESTION})\|(?P<n>{OPTION})\Z"),
        lambda m: Press("qa", value=m["q"], page=int(m["n"])),
    ),
    "rate": (
        re.compile(rf"qr\|(?P<q>{QUESTION})\|(?P<n>{RATING})\Z"),
        lambda m: Press("qr", value=m["q"], page=int(m["n"])),
    ),
    "give_up": (
        re.compile(rf"qs\|(?P<q>{QUESTION})\Z"),
        lambda m: Press("qs", value=m["q"]),
    ),
    # "translate the sentence" of a card (a page's card, or a quiz answer's)
    "translate": (
        re.compile(rf"t\|(?P<card>{ID})\Z"),
        lambda m: Press("t", card_id=int(m["card"])),
    ),
    # /forget's confirmation (y) or refusal (n), for the account that asked
    "forget": (
        re.compile(rf"fg\|(?P<owner>{ID})\|(?P<v>[yn])\Z"),
        lambda m: Press("fg", value=m["v"], owner=int(m["owner"])),
    ),
    # the daily habit: a /remind choice (or the reminder's "stop"), the reminder's Start,
    # "learn 10 more"
    "remind": (
        re.compile(r"rm\|(?P<v>morning|lunch|evening|off)\Z"),
        lambda m: Press("rm", value=m["v"]),
    ),
    "quiz_start": (re.compile(r"qn\Z"), lambda m: Press("qn")),
    "learn_more": (re.compile(r"lm\Z"), lambda m: Press("lm")),
    "noop": (re.compile(rf"{NOOP}\Z"), lambda m: Press(NOOP)),
}


def decode(data: str) -> Press | None:
    """The press for callback data, or None when it is not ours, malformed or out of range
    (a forged id past SQLite's integers, a rating of 9)."""
    for pattern, build in ACTIONS.values():
        match = pattern.match(data)
        if match:
            return build(match)
    return None
