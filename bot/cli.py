"""`vocabot` command line: build, demo, sim-llm, and the long-running adapters."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.app import NoLLMServer, open_core
from bot.console.render import deck_view, summary
from bot.logs import adopt_uvicorn_loggers, secrets_of, setup_logging
from core import errors
from core.config import Settings
from core.models import Deck, Stage
from core.models import Progress as PipelineProgress
from core.pipeline import DeckRequest
from core.prompts import LANGUAGE_NAMES
from core.selection import LEVELS
from core.transcripts import SUFFIXES, load_transcript_file
from core.youtube import parse_video_id
from devtools.samples import SLEEP_TALK, all_samples
from devtools.simllm import SimConfig, serve_forever

log = logging.getLogger("vocabot")
out = Console()
err = Console(stderr=True)

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


def request_for(target: str, settings: Settings, args: argparse.Namespace) -> DeckRequest:
    """A file path becomes a loaded transcript; anything else must hold a video link."""
    path = Path(target)
    common: dict[str, Any] = {
        "learner_language": args.lang or settings.default_learner_language,
        "level": args.level or settings.default_level,
        "languages": tuple(settings.youtube_languages),
        "known_words": frozenset(w.strip().lower() for w in (args.known or "").split(",") if w),
    }
    if path.suffix.lower() in SUFFIXES:
        if not path.is_file():
            raise errors.TranscriptFileMissing(target)
        transcript = load_transcript_file(path)
        return DeckRequest(video_id=transcript.video_id, transcript=transcript, **common)
    return DeckRequest(video_id=parse_video_id(target), **common)


async def build_with_progress(
    settings: Settings, request: DeckRequest, *, show: bool = True
) -> tuple[Deck, float]:
    async with open_core(settings) as core:
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

            async def on_progress(p: PipelineProgress) -> None:
                bar.update(
                    task,
                    description=STAGE_LABELS[p.stage],
                    completed=p.done,
                    total=p.total or None,
                )

            started = time.perf_counter()
            deck = await core.pipeline.build(request, on_progress)
            return deck, time.perf_counter() - started


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    request = request_for(args.target, settings, args)
    deck, seconds = asyncio.run(build_with_progress(settings, request, show=not args.json))
    if args.json:
        print(json.dumps(deck.to_dict(), ensure_ascii=False, indent=2))
    else:
        out.print(deck_view(deck))
        _print_stats(deck, seconds)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """The bundled sample(s) through the bundled simulated vLLM server, no tokens needed."""
    if not settings.llm_base_url:
        settings = settings.model_copy(update={"sim_speedup": args.speedup})
    samples = all_samples() if args.all else [SLEEP_TALK]
    out.print(
        "[bold]vocabot demo[/]: bundled sample transcript -> "
        + ("your LLM server" if settings.llm_base_url else "the bundled simulated vLLM server")
        + f" (model {settings.llm_model}), learner language "
        + f"{args.lang or settings.default_learner_language}, level "
        + f"{args.level or settings.default_level}\n"
    )
    for sample in samples:
        request = request_for(str(sample), settings, args)
        deck, seconds = asyncio.run(build_with_progress(settings, request))
        out.print(deck_view(deck))
        _print_stats(deck, seconds)
    return 0


def _print_stats(deck: Deck, seconds: float) -> None:
    s = deck.stats
    out.print(
        f"[dim]{summary(deck)}. {s.chunks} chunks, {s.llm_calls} LLM calls, "
        f"{s.prompt_tokens} prompt + {s.completion_tokens} completion tokens, "
        f"{seconds:.1f} s.[/]"
    )


def cmd_sim_llm(args: argparse.Namespace, settings: Settings) -> int:
    config = SimConfig(
        speedup=args.speedup,
        model=args.model or settings.llm_model,
        dialect=args.dialect,
        max_num_seqs=args.max_num_seqs,
        fault_rates={k: v for k, v in (("429", args.fail_429), ("500", args.fail_500)) if v},
    )
    asyncio.run(serve_forever(config, args.host, args.port))
    return 0


async def _check_llm(settings: Settings) -> int:
    from core.llm_check import check_llm

    async with open_core(settings) as core:
        where = "the bundled simulated vLLM server" if core.simulated else core.llm.base_url
        out.print(f"Checking {where} with model [bold]{settings.llm_model}[/] …")
        report = await check_llm(core.llm, core.http)
    if not report.ok:
        for problem in report.problems:
            out.print(f"[red]✗[/] {problem}")
        return 1
    out.print(f"[green]✓[/] reachable; model found among {len(report.models)} served")
    out.print(f"[green]✓[/] structured output: [bold]{report.structured_output}[/]")
    if report.structured_output != "json_schema":
        out.print(f"  set LLM_STRUCTURED_OUTPUT={report.structured_output} to skip the detection")
    out.print(f"[green]✓[/] round trip: {report.round_trip_ms:.0f} ms")
    if report.tokens_per_second:
        out.print(f"[green]✓[/] short generation: {report.tokens_per_second:.0f} tokens/s")
    for note in report.notes:
        out.print(f"[yellow]![/] {note}")
    return 0


def cmd_check_llm(args: argparse.Namespace, settings: Settings) -> int:
    updates = {
        k: v
        for k, v in (
            ("llm_base_url", args.url),
            ("llm_model", args.model),
            ("llm_api_key", SecretStr(args.key) if args.key else None),
        )
        if v
    }
    return asyncio.run(_check_llm(settings.model_copy(update=updates)))


async def _chat(settings: Settings) -> int:
    from bot.app import open_app
    from bot.console.chat import ConsoleChat

    async with open_app(settings) as app:
        await ConsoleChat(app, out).run()
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """The whole bot in this terminal; embedded defaults work with no tokens at all."""
    if not settings.llm_base_url:
        settings = settings.model_copy(update={"sim_speedup": args.speedup})
    # Log lines would land in the middle of the conversation: only warnings and errors.
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        return asyncio.run(_chat(settings))
    finally:
        root.setLevel(level)


async def _serve_api(settings: Settings, host: str, port: int, *, simulated: bool) -> int:
    import uvicorn

    from bot.app import open_app
    from bot.http.api import create_api

    async with open_app(settings, allow_simulator=simulated) as app:
        await app.runner.resume()
        # log_config=None: uvicorn's loggers (access log included) propagate to our redacting
        # handler instead of printing request lines, query strings and all, to stdout.
        adopt_uvicorn_loggers()
        config = uvicorn.Config(
            create_api(app),
            host=host,
            port=port,
            log_config=None,
            log_level=None,
            ws="websockets-sansio",
        )
        await uvicorn.Server(config).serve()
    return 0


def cmd_serve_api(args: argparse.Namespace, settings: Settings) -> int:
    """The HTTP jobs API (docs at /docs); shares the store and jobs with the bots."""
    return asyncio.run(_serve_api(settings, args.host, args.port, simulated=args.simulated))


async def _create_api_key(settings: Settings, name: str) -> str:
    from core.api_keys import new_api_key
    from storage.sqlite import open_store

    async with open_store(settings.db_path) as store:
        user = await store.get_or_create_user(
            "api",
            name,
            learner_language=settings.default_learner_language,
            level=settings.default_level,
        )
        key, digest = new_api_key()
        await store.add_api_key(user.id, digest, name)
    return key


def cmd_api_key(args: argparse.Namespace, settings: Settings) -> int:
    key = asyncio.run(_create_api_key(settings, args.user))
    out.print(f"API key for [bold]{args.user}[/] (shown once; only its hash is stored):")
    print(key)
    return 0


async def _export(settings: Settings, who: str, fmt: str, deck: int | None, out_path: str) -> str:
    from core.export import apkg_bytes, csv_bytes
    from storage.sqlite import open_store

    platform, _, platform_id = who.partition(":")
    if not platform_id:
        raise errors.VocabotError(
            "bad --user", user_message="--user is PLATFORM:ID, e.g. telegram:12345 or api:alice"
        )
    async with open_store(settings.db_path) as store:
        user = await store.get_or_create_user(
            platform, platform_id, learner_language="ko", level="B1"
        )
        decks = await store.list_decks(user.id)
        chosen = [d for d in decks if deck is None or d.id == deck]
        if not chosen:
            raise errors.DeckNotFound(f"no deck for {who}")
        cards = [c for d in chosen for c in await store.deck_cards(user.id, d.id)]
    if fmt == "csv":
        data = csv_bytes(cards)
    else:
        single = chosen[0].title or chosen[0].video_id or "deck"
        name = single if len(chosen) == 1 else who
        data = await apkg_bytes(cards, deck_name=f"vocabot::{name}", owner=str(user.id))
    path = Path(out_path or f"vocabot-{platform}-{platform_id}.{fmt}")
    await asyncio.to_thread(path.write_bytes, data)
    return f"{len(cards)} cards from {len(chosen)} deck(s) written to {path}"


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    out.print(asyncio.run(_export(settings, args.user, args.format, args.deck, args.out)))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import run

    return asyncio.run(run(settings, simulated=args.simulated))


def _add_deck_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        type=str.lower,
        choices=sorted(LANGUAGE_NAMES),
        metavar="LANG",
        help="learner language code for meanings, e.g. ko, ja, es (default: ko)",
    )
    parser.add_argument(
        "--level",
        type=str.upper,
        choices=LEVELS,
        metavar="LEVEL",
        help="CEFR level A1..C2 (default: B1)",
    )
    parser.add_argument("--known", help="comma-separated words you already know")


def _add_simulated_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulated",
        action="store_true",
        help="without LLM_BASE_URL, answer with the bundled simulator (placeholder meanings, "
        "labelled on every deck); same as LLM_BASE_URL=sim",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vocabot", description="Turn a YouTube video into a vocabulary deck."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build a deck from a YouTube link or a subtitle file")
    build.add_argument("target", help="YouTube link or id, or a .srt/.vtt/.txt file")
    build.add_argument("--json", action="store_true", help="print the deck as JSON")
    _add_deck_options(build)
    build.set_defaults(func=cmd_build)

    demo = sub.add_parser("demo", help="run the bundled sample through the simulated vLLM")
    demo.add_argument("--all", action="store_true", help="every bundled sample")
    demo.add_argument(
        "--speedup", type=float, default=1.0, help="simulated server speed-up (default 1)"
    )
    _add_deck_options(demo)
    demo.set_defaults(func=cmd_demo)

    chat = sub.add_parser("chat", help="the bot in this terminal: links, pages, quiz, stats")
    chat.add_argument(
        "--speedup", type=float, default=1.0, help="simulated server speed-up (default 1)"
    )
    chat.set_defaults(func=cmd_chat)

    check = sub.add_parser("check-llm", help="check that an LLM server works for vocabot")
    check.add_argument("--url", help="override LLM_BASE_URL")
    check.add_argument("--model", help="override LLM_MODEL")
    check.add_argument("--key", help="override LLM_API_KEY")
    check.set_defaults(func=cmd_check_llm)

    export = sub.add_parser("export", help="write a user's decks as Anki .apkg or CSV")
    export.add_argument("--user", required=True, help="PLATFORM:ID, e.g. telegram:12345")
    export.add_argument("--format", choices=["apkg", "csv"], default="apkg")
    export.add_argument("--deck", type=int, help="one deck id (default: all of the user's)")
    export.add_argument("--out", default="", help="output file")
    export.set_defaults(func=cmd_export)

    serve = sub.add_parser("serve-api", help="the HTTP jobs API (FastAPI, docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    _add_simulated_option(serve)
    serve.set_defaults(func=cmd_serve_api)

    keys = sub.add_parser("api-key", help="manage HTTP API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="create a key for a user of the HTTP API")
    create.add_argument("--user", required=True, help="a name for the key's user")
    create.set_defaults(func=cmd_api_key)

    run = sub.add_parser("run", help="run the bots whose tokens are set (Telegram, Discord)")
    _add_simulated_option(run)
    run.set_defaults(func=cmd_run)

    sim = sub.add_parser("sim-llm", help="run the simulated vLLM server")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8000)
    sim.add_argument("--speedup", type=float, default=1.0)
    sim.add_argument("--model")
    sim.add_argument("--dialect", choices=["vllm", "llamacpp", "json_object", "prompt"])
    sim.add_argument("--max-num-seqs", type=int, default=256)
    sim.add_argument("--fail-429", type=float, default=0.0, help="rate of 429 answers")
    sim.add_argument("--fail-500", type=float, default=0.0, help="rate of 500 answers")
    sim.set_defaults(func=cmd_sim_llm, dialect="vllm")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError names the bad variable
        err.print(f"[red]Configuration error:[/] {exc}")
        return 2
    setup_logging(settings.log_level, secrets_of(settings))
    try:
        code: int = args.func(args, settings)
        return code
    except NoLLMServer as exc:
        err.print(f"[red]Not started:[/] {exc}")
        return 2
    except errors.StorageUnavailable as exc:  # the operator needs the path and the reason
        err.print(f"[red]{exc.user_message}[/] {exc.detail}")
        return 1
    except errors.VocabotError as exc:
        log.info("%s: %s", exc.code, exc.detail)
        err.print(f"[red]{exc.user_message}[/]")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
