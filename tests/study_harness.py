"""The study page's browser harness (a pytest plugin, registered in conftest): a real uvicorn
on a loopback port serving the app on the bundled samples, Debian's headless chromium driven
by Playwright, and the console chat on the same App. `study` is a fixture for every browser
test module (test_study_browser.py, test_study_a11y.py)."""

import asyncio
import io
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import (
    Browser,
    Page,
    Request,
    Route,
    ViewportSize,
    async_playwright,
    expect,
)
from pydantic import SecretStr
from rich.console import Console

from bot.app import App, open_app
from bot.console.chat import ConsoleChat
from bot.http.api import create_api
from bot.serving import InProcessServer, listening_socket
from core.config import Settings
from core.transcripts import DirectorySource
from devtools.samples import SAMPLES_DIR
from tests.conftest import Sim

BOT_TOKEN = "123456:TEST-token-for-the-mini-app"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def need_chromium() -> None:
    """Called at the top of a browser test module: without Debian's chromium the module is
    skipped, except in CI (.ci/run installs it), where a missing browser fails."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise RuntimeError(f"the browser tests need Debian's chromium at {CHROMIUM}")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


@dataclass
class Study:
    app: App
    url: str
    browser: Browser
    youtube: list[str] = field(default_factory=list)  # what the page asked YouTube for

    async def chat(self, lines: Iterable[str]) -> str:
        """The console chat on the same App (the learner at this machine)."""
        pending = [*lines, "/quit"]

        async def read_line() -> str | None:
            return pending.pop(0) if pending else None

        screen = io.StringIO()
        console = Console(file=screen, width=200, force_terminal=False)
        await ConsoleChat(self.app, console, read_line).run()
        return screen.getvalue()

    async def web_link(self) -> str:
        found = re.search(r"http://\S+/study/signin\?token=\S+", await self.chat(["/web"]))
        assert found, "/web answers with a sign-in link"
        return found.group(0)

    async def page(self, *, phone: bool = False, **options: Any) -> Page:
        context = await self.browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            has_touch=phone,
            is_mobile=phone,
            accept_downloads=True,
            **options,
        )
        await context.route("https://www.youtube-nocookie.com/**", self._youtube)
        return await context.new_page()

    async def _youtube(self, route: Route, request: Request) -> None:
        self.youtube.append(request.url)
        await route.fulfill(body="<!doctype html><title>player</title>", content_type="text/html")

    async def signed_in(self, *, phone: bool = False) -> Page:
        page = await self.page(phone=phone)
        await page.goto(await self.web_link())
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{self.url}/study/")
        return page


@asynccontextmanager
async def serving(app: App, sock: socket.socket) -> AsyncIterator[None]:
    server = InProcessServer(uvicorn.Config(create_api(app), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def study(sim: Sim, tmp_path: Path) -> AsyncIterator[Study]:
    sock = listening_socket("127.0.0.1", 0, 64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        llm_base_url=sim.url,
        db_path=tmp_path / "study.sqlite3",
        user_cooldown_seconds=0,
        web_base_url=url,
        telegram_bot_token=SecretStr(BOT_TOKEN),
    )
    async with (
        open_app(settings, source=DirectorySource(SAMPLES_DIR)) as app,
        serving(app, sock),
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield Study(app, url, browser)
        finally:
            await browser.close()
    sock.close()


async def ready(page: Page) -> None:
    """The page's script has run (a key pressed before that would go nowhere)."""
    await expect(page.locator("html")).to_have_attribute("data-ready", "true")


async def open_review(page: Page) -> None:
    await page.get_by_role("link", name="Review").first.click()
    await page.wait_for_url("**/study/review")
    await ready(page)
