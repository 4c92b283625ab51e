"""Long-running faces: the console chat, the chat bots, the HTTP API."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from bot.app import open_app
from bot.commands.common import add_simulated_option, add_speedup_option, out
from bot.logs import adopt_uvicorn_loggers
from core.config import Settings


async def _chat(settings: Settings) -> int:
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


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.run import run

    return asyncio.run(run(settings, simulated=args.simulated))


async def _serve_api(settings: Settings, host: str, port: int, *, simulated: bool) -> int:
    import uvicorn

    from bot.http.api import create_api

    async with open_app(settings, allow_simulator=simulated, front=True) as app:
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


def add_parsers(sub: Any) -> None:
    chat = sub.add_parser("chat", help="the bot in this terminal: links, pages, quiz, stats")
    add_speedup_option(chat)
    chat.set_defaults(func=cmd_chat)

    run = sub.add_parser("run", help="run the bots whose tokens are set (Telegram, Discord)")
    add_simulated_option(run)
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve-api", help="the HTTP jobs API (FastAPI, docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    add_simulated_option(serve)
    serve.set_defaults(func=cmd_serve_api)
