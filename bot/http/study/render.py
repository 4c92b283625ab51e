"""The study page's HTML: Jinja2 templates, autoescaped, in the learner's language.

Templates say their sentences as `tr("…")` / `plural("…", "…", n)`, which the catalog
extractor reads like Python's (devtools/catalogs.py), so the page is Korean or English
exactly like the bot. Every value a learner or a video wrote is escaped; the one piece
of markup around user text, the highlighted word, is the template's own <mark>.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import habit_texts, texts
from bot.http.study.session import Visitor
from core import LANGUAGE_SELF_NAMES, STUDY_PATH, Card, Translator, Word, card_ipa

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
EMBED = "https://www.youtube-nocookie.com/embed/"
CLIP_SECONDS = 8  # a card saved before cards knew where their sentence ends plays this long


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        base=STUDY_PATH,
        languages=LANGUAGE_SELF_NAMES,
        ratings=texts.RATINGS,
        texts=texts,
        habit_texts=habit_texts,
        clip=clip,
        pos=pos,
        ipa=card_ipa,
    )
    return env


def clip(card: Card) -> dict[str, str | int] | None:
    """What the player asks YouTube for: the video, the sentence's second, the next cue's."""
    item = card.item
    if not item.video_id or item.start is None:
        return None
    start = max(0, math.floor(item.start))
    end = math.ceil(item.end) if item.end is not None else start + CLIP_SECONDS
    return {"video": item.video_id, "start": start, "end": max(end, start + 1), "embed": EMBED}


def pos(tr: Translator, card: Card) -> str:
    """The card's part of speech in the page's language ("명사"), "" for a phrase."""
    return texts.pos_name(tr, card.item.pos) if isinstance(card.item, Word) else ""


def page(
    request: Request,
    template: str,
    tr: Translator,
    who: Visitor | None = None,
    *,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A whole page in `tr`'s language (the learner's, or the browser's before sign-in)."""
    html = (
        environment()
        .get_template(template)
        .render(
            tr=tr,
            plural=tr.plural,
            lang=tr.language,
            who=who,
            csrf=who.csrf if who else "",
            path=request.url.path,
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **values,
        )
    )
    return HTMLResponse(html, status_code=status)
