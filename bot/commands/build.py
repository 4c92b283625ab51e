"""`vocabot build` and `vocabot demo`: decks on the same path as every chat.

Both go through the job runner for the local learner (the one `vocabot chat` talks to): a
deck already built is served from the cache with zero LLM calls, the same video asked for
twice is built once, and the deck is saved, so `vocabot export` and the console chat see it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.app import App, open_app
from bot.commands.common import err, out
from bot.console.render import deck_view, summary
from bot.console.terminal import terminal_language
from core import (
    EXPORT_FORMATS,
    SUFFIXES,
    BadSetting,
    ExportFormat,
    InternalError,
    JobHandle,
    JobUpdate,
    Listener,
    Settings,
    Stage,
    TranscriptFileError,
    TranscriptFileMissing,
    User,
    parse_video_id,
)
from devtools.samples import SLEEP_TALK, all_samples

STAGE_LABELS = {
    Stage.QUEUED: "waiting in line",
    Stage.TRANSCRIPT: "fetching captions",
    Stage.ANALYSING: "picking words",
    Stage.EXTRACTING: "explaining words",
    Stage.SAVING: "saving",
    Stage.DONE: "done",
    Stage.FAILED: "failed",
    Stage.CANCELLED: "cancelled",
}


@contextmanager
def progress_bar(show: bool) -> Iterator[Listener]:
    """A job listener that draws the job's progress on stderr while it runs."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        async def listener(update: JobUpdate) -> None:
            p = update.progress
            bar.update(
                task, description=STAGE_LABELS[p.stage], completed=p.done, total=p.total or None
            )

        yield listener


async def learner(app: App, args: argparse.Namespace) -> User:
    """The local learner, with this command's --lang/--level (not saved) and --known (saved)."""
    user = await app.actions.learners.local(client_language=terminal_language())
    if args.known:
        await app.actions.known.mark(user, args.known.split(","))
    return app.actions.learners.with_settings(user, learner_language=args.lang, level=args.level)


async def submit(app: App, user: User, target: str, listener: Listener, refresh: bool) -> JobHandle:
    """A subtitle file (by its suffix) or a YouTube link, as a job of the local learner."""
    path = Path(target)
    if path.suffix.lower() in SUFFIXES:
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise TranscriptFileMissing(target) from exc
        except OSError as exc:
            raise TranscriptFileError(f"{target}: {exc}") from exc
        return await app.actions.builds.submit_file(
            user, data, path.name, listener=listener, refresh=refresh
        )
    video_id = parse_video_id(target)
    return await app.actions.builds.submit(user, video_id, listener=listener, refresh=refresh)


async def build(app: App, target: str, args: argparse.Namespace, *, show: bool) -> JobUpdate:
    user = await learner(app, args)
    with progress_bar(show) as listener:
        started = time.perf_counter()
        handle = await submit(app, user, target, listener, getattr(args, "no_cache", False))
        update = await handle.wait()
    if update.deck is None:
        raise update.error or InternalError(f"job {update.job_id} ended without a deck")
    await report(
        app, user, update, time.perf_counter() - started, as_json=getattr(args, "json", False)
    )
    if getattr(args, "output", None):
        await write_export(app, user, update.deck.id, Path(args.output))
    return update


async def report(app: App, user: User, update: JobUpdate, seconds: float, *, as_json: bool) -> None:
    assert update.deck is not None
    info = update.deck
    cards = await app.actions.decks.cards(user, info.id)
    if as_json:
        data: dict[str, Any] = {
            "deck_id": info.id,
            "video_id": info.video_id,
            "title": info.title,
            "learner_language": info.learner_language,
            "level": info.level,
            "simulated": info.simulated,
            "cached": update.cached,  # then 0 LLM calls now; `stats` tell how it was built
            "stats": asdict(update.stats) if update.stats else None,
            "missing": [{"start": g.start, "end": g.end, "reason": g.reason} for g in info.missing],
        }
        # Both lists are in rank order, best first: the learner's first DECK_SIZE cards are
        # the first `shown_*` of each, the rest (`more`) are one press away in every face.
        words = [c.item for c in cards if c.kind == "word"]
        phrases = [c.item for c in cards if c.kind == "phrase"]
        shown_words, shown_phrases = app.actions.learners.shown(user, info)
        data |= {
            "deck_size": app.actions.learners.deck_size(user),
            "shown_words": shown_words,
            "shown_phrases": shown_phrases,
            "more": len(words) + len(phrases) - shown_words - shown_phrases,
            "words": [{"rank": i, **asdict(w)} for i, w in enumerate(words, 1)],
            "phrases": [{"rank": i, **asdict(p)} for i, p in enumerate(phrases, 1)],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    known = frozenset(await app.actions.known.words(user))
    tr = app.actions.learners.translator(user)
    out.print(deck_view(tr, info, cards, known, out.width))
    s = update.stats
    how = (
        "from the cache: 0 LLM calls"
        if update.cached or s is None
        else (
            f"{s.chunks} chunks, {s.llm_calls} LLM calls, "
            f"{s.prompt_tokens} prompt + {s.completion_tokens} completion tokens"
        )
    )
    out.print(f"[dim]{summary(tr, info)}. {how}, {seconds:.1f} s.[/]")


def export_format(path: Path) -> ExportFormat:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in EXPORT_FORMATS:
        raise BadSetting(f"-o {path}", user_message="-o takes a .apkg or .csv file name.")
    return "csv" if fmt == "csv" else "apkg"


async def write_export(app: App, user: User, deck_id: int, path: Path) -> None:
    exported = await app.actions.decks.export(user, export_format(path), deck_id)
    await asyncio.to_thread(path.write_bytes, exported.data)
    err.print(f"{exported.cards} cards written to {path}")


async def _build(settings: Settings, args: argparse.Namespace) -> int:
    async with open_app(settings) as app:
        await build(app, args.target, args, show=not args.json)
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    if args.output:
        export_format(Path(args.output))  # a bad -o is refused before anything is built
    return asyncio.run(_build(settings, args))


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    samples = all_samples() if args.all else [SLEEP_TALK]
    async with open_app(settings) as app:
        where = "the bundled simulated vLLM server" if app.simulated else "your LLM server"
        out.print(
            f"[bold]vocabot demo[/]: bundled sample transcript -> {where} "
            f"(model {settings.llm_model}), learner language "
            f"{args.lang or settings.default_learner_language}, level "
            f"{args.level or settings.default_level}\n"
        )
        for sample in samples:
            await build(app, str(sample), args, show=True)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """The bundled sample(s) through the bundled simulated vLLM server, no tokens needed."""
    if not settings.llm_base_url:
        settings = settings.model_copy(update={"sim_speedup": args.speedup})
    return asyncio.run(_demo(settings, args))
