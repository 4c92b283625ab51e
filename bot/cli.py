"""`vocabot` command line: one parser, subcommands in bot/commands/, one way to fail.

The parser is the whole of what `vocabot --help` (and a typo) pays for: this module imports
only the standard library, and a subcommand's module, with core, the store and the face it
needs, is imported when that subcommand runs (`COMMAND` below names it as "module:function").
tests/test_cli_start.py holds `vocabot --help` to that, and the parser's choices to core's.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core import Settings

log = logging.getLogger("vocabot")

# What argparse offers, spelled out so the parser loads no core (tests/test_cli_start.py checks
# that each equals core's: LEARNER_LANGUAGES, LEVELS, EXPORT_FORMATS, the simulator's DIALECTS).
LEARNER_LANGUAGES = ("ko", "ja", "zh", "es", "fr", "de", "pt", "ru", "vi", "en")
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
EXPORT_FORMATS = ("apkg", "csv")
DIALECTS = ("vllm", "llamacpp", "json_object", "prompt")

EPILOG = """\
Your decks, words and progress (vocabot chat, build, demo, export) are kept in one SQLite
file in your user data folder; `vocabot where` prints it. DB_PATH (a file) or DATABASE_URL
(PostgreSQL) in the environment or .env chooses another. Settings: .env.example.
"""

Handler = Callable[[argparse.Namespace, "Settings"], int]


def command(parser: argparse.ArgumentParser, target: str) -> None:
    """`target` ("module:function") runs this subcommand; imported only when it does."""
    parser.set_defaults(func=target)


def resolve(target: str) -> Handler:
    module, _, name = target.partition(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def add_deck_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        type=str.lower,
        choices=LEARNER_LANGUAGES,
        metavar="LANG",
        help=f"learner language for meanings: {', '.join(LEARNER_LANGUAGES)} (default: ko)",
    )
    parser.add_argument(
        "--level",
        type=str.upper,
        choices=LEVELS,
        metavar="LEVEL",
        help="CEFR level A1..C2 (default: B1)",
    )
    parser.add_argument(
        "--known", help="comma-separated words you already know (remembered for next time)"
    )


def add_speedup_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--speedup", type=float, default=1.0, help="simulated server speed-up (default 1)"
    )


def add_simulated_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulated",
        action="store_true",
        help="without LLM_BASE_URL, answer with the bundled simulator (placeholder meanings, "
        "labelled on every deck); same as LLM_BASE_URL=sim",
    )


def add_learner_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", help="PLATFORM:ID, e.g. telegram:12345 (default: you, as in `vocabot chat`)"
    )


def add_deck_commands(sub: Any) -> None:
    build = sub.add_parser(
        "build", help="build a deck from a YouTube link or a subtitle file, and save it"
    )
    build.add_argument("target", help="YouTube link or id, or a .srt/.vtt/.txt file")
    build.add_argument("--json", action="store_true", help="print the deck as JSON")
    build.add_argument(
        "--no-cache", action="store_true", help="build again even if this deck was built before"
    )
    build.add_argument("-o", "--output", help="also write the deck to FILE.apkg (Anki) or FILE.csv")
    add_deck_options(build)
    command(build, "bot.commands.build:cmd_build")

    demo = sub.add_parser("demo", help="run the bundled sample through the simulated vLLM")
    demo.add_argument("--all", action="store_true", help="every bundled sample")
    add_speedup_option(demo)
    add_deck_options(demo)
    command(demo, "bot.commands.build:cmd_demo")

    decks = sub.add_parser("decks", help="list a learner's decks with their ids")
    add_learner_option(decks)
    command(decks, "bot.commands.operate:cmd_decks")

    export = sub.add_parser("export", help="write a learner's decks as Anki .apkg or CSV")
    add_learner_option(export)
    export.add_argument("--format", choices=EXPORT_FORMATS, default="apkg")
    export.add_argument(
        "--deck", type=int, help="one deck id, from `vocabot decks` (default: all of them)"
    )
    export.add_argument("--out", default="", help="output file")
    command(export, "bot.commands.operate:cmd_export")

    where = sub.add_parser("where", help="where your decks and settings are kept")
    command(where, "bot.commands.operate:cmd_where")


def add_serve_commands(sub: Any) -> None:
    chat = sub.add_parser("chat", help="the bot in this terminal: links, pages, quiz, stats")
    add_speedup_option(chat)
    command(chat, "bot.commands.serve:cmd_chat")

    run = sub.add_parser("run", help="run the bots whose tokens are set (Telegram, Discord)")
    add_simulated_option(run)
    command(run, "bot.commands.serve:cmd_run")

    serve = sub.add_parser(
        "serve-api", help="the HTTP jobs API (FastAPI, docs at /docs) and the study page (/study/)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    add_simulated_option(serve)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="no tokens needed: build the bundled sample deck (simulated meanings unless "
        "LLM_BASE_URL is set) and print a sign-in link to its study page",
    )
    add_speedup_option(serve)
    command(serve, "bot.commands.serve:cmd_serve_api")

    worker = sub.add_parser(
        "worker", help="build decks from the job queue (needs DATABASE_URL; run any number)"
    )
    add_simulated_option(worker)
    command(worker, "bot.commands.work:cmd_worker")


def add_operator_commands(sub: Any) -> None:
    check = sub.add_parser("check-llm", help="check that an LLM server works for vocabot")
    check.add_argument("--url", help="override LLM_BASE_URL")
    check.add_argument("--model", help="override LLM_MODEL")
    check.add_argument("--key", help="override LLM_API_KEY")
    command(check, "bot.commands.operate:cmd_check_llm")

    keys = sub.add_parser("api-key", help="manage HTTP API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    create = keys_sub.add_parser("create", help="create a key for a user of the HTTP API")
    create.add_argument("--user", required=True, help="a name for the key's user")
    command(create, "bot.commands.operate:cmd_api_key")

    sim = sub.add_parser("sim-llm", help="run the simulated vLLM server")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8000)
    sim.add_argument("--speedup", type=float, default=1.0)
    sim.add_argument("--model")
    sim.add_argument("--dialect", choices=DIALECTS, default="vllm")
    sim.add_argument("--max-num-seqs", type=int, default=256)
    sim.add_argument("--fail-429", type=float, default=0.0, help="rate of 429 answers")
    sim.add_argument("--fail-500", type=float, default=0.0, help="rate of 500 answers")
    command(sim, "bot.commands.operate:cmd_sim_llm")

    health = sub.add_parser(
        "health", help="is vocabot ready? (exits 1 when not; asks METRICS_PORT if set)"
    )
    health.add_argument(
        "--url", help="ask the process serving /readyz here (e.g. http://127.0.0.1:8080)"
    )
    command(health, "bot.commands.upkeep:cmd_health")

    usage = sub.add_parser("usage", help="tokens and new decks per day, and the top learners")
    usage.add_argument("--days", type=int, default=7, help="how many days back (default 7)")
    usage.add_argument("--top", type=int, default=10, help="how many learners (default 10)")
    command(usage, "bot.commands.upkeep:cmd_usage")

    backup = sub.add_parser(
        "backup", help="a consistent copy of the SQLite database, while the bot runs"
    )
    backup.add_argument("path", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    command(backup, "bot.commands.upkeep:cmd_backup")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vocabot",
        description="Turn a YouTube video into a vocabulary deck.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_deck_commands(sub)
    add_serve_commands(sub)
    add_operator_commands(sub)
    return parser


def skip_httpx_cli() -> None:
    """httpx's package imports its own command-line client (click, and rich's syntax with
    pygments' lexers: about 2 MB a bot process never uses) whenever those are installed;
    marked missing, `import httpx` takes its fallback. Before anything imports httpx."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    skip_httpx_cli()
    handler = resolve(args.func)  # the subcommand's module, and core with it, load here
    return run(handler, args)


def run(handler: Handler, args: argparse.Namespace) -> int:
    from rich.markup import escape

    from bot.app import NoLLMServer
    from bot.commands.common import err
    from bot.extras import MissingExtra
    from bot.logs import secrets_of, setup_logging
    from core import Settings, StorageUnavailable, VocabotError, error_message

    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError names the bad variable
        err.print(f"[red]Configuration error:[/] {exc}")
        return 2
    salt = settings.log_user_salt.get_secret_value() if settings.log_user_salt else None
    setup_logging(settings.log_level, secrets_of(settings), settings.log_format, salt)
    try:
        return handler(args, settings)
    except MissingExtra as exc:
        # one line to copy: not wrapped, and its [extra] is not markup
        err.print(f"[red]Not started:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except NoLLMServer as exc:
        err.print(f"[red]Not started:[/] {exc}")
        return 2
    except StorageUnavailable as exc:  # the operator needs the path and the reason, unwrapped
        err.print(f"[red]{exc.user_message}[/] {escape(exc.detail)}", soft_wrap=True)
        return 1
    except VocabotError as exc:
        log.info("%s: %s", exc.code, exc.detail)
        err.print(f"[red]{error_message(exc)}[/]")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
