"""Long-running faces: the console chat, the chat bots, the HTTP API."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.app import App, open_app
from bot.commands.build import progress_bar, submit
from bot.commands.common import out
from bot.console.terminal import terminal_language
from bot.extras import require
from bot.fronts import open_front
from bot.logs import adopt_uvicorn_loggers
from core import Settings
from devtools.samples import SLEEP_TALK


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


async def _serve_api(
    settings: Settings, host: str, port: int, *, simulated: bool, demo: bool = False
) -> int:
    import uvicorn

    require("api")
    from bot.http.api import create_api

    if not (settings.web_base_url or settings.web_app_url):  # links to this very server
        settings = settings.model_copy(update={"web_base_url": f"http://{host}:{port}"})
    async with open_front(settings, allow_simulator=simulated or demo) as app:
        await app.runner.resume()
        if demo:
            await study_demo(app)
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


async def study_demo(app: App) -> None:
    """The bundled sample deck for the local learner (the one `vocabot chat` talks to), and a
    sign-in link to the study page that shows it."""
    user = await app.actions.learners.local(client_language=terminal_language())
    with progress_bar(show=True) as listener:  # as `vocabot demo` builds it: a file
        handle = await submit(app, user, str(SLEEP_TALK), listener, refresh=False)
        update = await handle.wait()
    if update.deck is None:
        raise update.error or RuntimeError(f"the sample deck was not built ({update.job_id})")
    link = await app.actions.study.sign_in_link(user)
    out.print(
        f"[bold]Study page demo[/]: the sample deck “{update.deck.title}” is ready.\n"
        f"Open this link within {link.minutes} minutes (it works once):"
    )
    print(link.url, flush=True)  # whole, never wrapped: it is copied or clicked


def cmd_serve_api(args: argparse.Namespace, settings: Settings) -> int:
    """The HTTP jobs API (docs at /docs) and the study page; shares the store and jobs with
    the bots."""
    if args.demo and not settings.llm_base_url:
        settings = settings.model_copy(update={"sim_speedup": args.speedup})
    return asyncio.run(
        _serve_api(settings, args.host, args.port, simulated=args.simulated, demo=args.demo)
    )
