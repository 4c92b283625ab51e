"""`python -m devtools.study_screenshots [folder]`: the study page's pictures in docs/faces.md.

Builds the bundled sample on the bundled simulator (as `vocabot serve-api --demo` does),
serves the page on a loopback port and photographs it in Debian's headless chromium, on a
phone-sized viewport and on a desktop. YouTube is never reached: the player's frame gets a
local stand-in. Needs the dev extra (Playwright) and `apt-get install chromium fonts-noto-cjk`.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn
from playwright.async_api import Browser, Route, ViewportSize, async_playwright

from bot.app import App, open_app
from bot.commands.build import progress_bar, submit
from bot.http.api import create_api
from core.config import Settings
from devtools.samples import COFFEE_HOWTO

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PLAYER = (
    "<meta charset='utf-8'><body style='margin:0;background:#111;color:#eee;"
    "font:16px sans-serif;display:grid;place-items:center;height:100vh'>▶ YouTube player</body>"
)


async def stand_in(route: Route) -> None:
    await route.fulfill(body=PLAYER, content_type="text/html")


async def main(folder: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "shots.sqlite3", sim_speedup=100, web_base_url=url)
        async with open_app(settings) as app:
            links = [await sign_in_link(app), await sign_in_link(app)]
            server = uvicorn.Server(uvicorn.Config(create_api(app), log_level="warning"))
            task = asyncio.create_task(server.serve(sockets=[sock]))
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                for link, shot in zip(links, ("phone", "desktop"), strict=True):
                    await photograph_one(browser, link, folder, shot)
                await browser.close()
            server.should_exit = True
            await task


async def sign_in_link(app: App) -> str:
    user = await app.actions.learners.local(client_language="en")
    if not await app.actions.decks.all(user):
        with progress_bar(show=False) as listener:
            await (await submit(app, user, str(COFFEE_HOWTO), listener, refresh=False)).wait()
    return (await app.actions.study.sign_in_link(user)).url


async def photograph_one(browser: Browser, link: str, folder: Path, shot: str) -> None:
    phone = shot == "phone"
    viewport: ViewportSize = (
        {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
    )
    context = await browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    await context.route("https://www.youtube-nocookie.com/**", stand_in)
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/study/")
    if phone:
        await page.goto(page.url + "review")
        await page.locator("#flip").click()
        await page.locator("button.play").click()
    else:
        await page.locator("a.deck").first.click()
        await page.locator("button.play").nth(1).click()
    await page.locator("#player iframe").wait_for()
    path = folder / f"study-{shot}.png"
    await page.screenshot(path=str(path), full_page=phone)
    await context.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
