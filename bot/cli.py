"""`vocabot` command line: one parser, subcommands in bot/commands/, one way to fail."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.app import NoLLMServer
from bot.commands import build, operate, serve, upkeep, work
from bot.commands.common import err
from bot.logs import secrets_of, setup_logging
from core import Settings, StorageUnavailable, VocabotError, sentence

log = logging.getLogger("vocabot")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vocabot", description="Turn a YouTube video into a vocabulary deck."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for commands in (build, serve, operate, upkeep, work):
        commands.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        settings = Settings()
    except Exception as exc:  # pydantic's ValidationError names the bad variable
        err.print(f"[red]Configuration error:[/] {exc}")
        return 2
    salt = settings.log_user_salt.get_secret_value() if settings.log_user_salt else None
    setup_logging(settings.log_level, secrets_of(settings), settings.log_format, salt)
    try:
        code: int = args.func(args, settings)
        return code
    except NoLLMServer as exc:
        err.print(f"[red]Not started:[/] {exc}")
        return 2
    except StorageUnavailable as exc:  # the operator needs the path and the reason
        err.print(f"[red]{exc.user_message}[/] {exc.detail}")
        return 1
    except VocabotError as exc:
        log.info("%s: %s", exc.code, exc.detail)
        err.print(f"[red]{sentence(exc)}[/]")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
