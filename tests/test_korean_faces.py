"""The console chat, Discord and the empty tabs of every face, in Korean: no English but
commands, URLs, file names and the words being taught (tests/korean_check.py). The same
for Telegram is tests/test_korean_session.py."""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import discord
import pytest
from rich.console import Console

from bot.app import open_app
from bot.console.chat import ConsoleChat
from bot.console.render import page_view
from bot.discord.ops import OpsCog
from bot.discord.render import deck_embed
from bot.telegram.render import page_html
from core import DeckPage, error_message, translator
from core.config import Settings
from core.errors import BudgetExhausted, QuotaExceeded, VocabotError
from core.store import DeckInfo
from core.transcripts import ChainSource, DirectorySource
from core.youtube import YouTubeSource
from devtools.samples import SAMPLES_DIR
from devtools.youtube_stub import unreachable_session
from tests.conftest import Sim
from tests.console_script import script
from tests.discord_harness import ALICE, Discord, Screen, button
from tests.korean_check import HANGUL, Taught, leaks, taught_words

KO = discord.Locale.korean
CONSOLE_LINES = [
    "/help",
    "/decks",
    "/quiz",
    "/export",
    "https://youtu.be/vocabDemo02",
    "/next",
    "/prev",
    "/phrases",
    "/words",
    "/known 3",
    "/known 99",
    "/known dig",
    "/known",
    "/decks",
    "/open 1",
    "/open 9",
    "/export pdf",
    "/quiz",
    "1",
    "5",
    "",
    "/stats",
    "/settings",
    "/settings ja B2",
    "/settings ko B1",
    "/settings xx",
    "/web",
    "/privacy",
    "/forget",
    "아니요",
    "/cancel",
    "/admin",
    "/nonsense",
    "hello",
    "/x/missing.srt",
    "https://youtu.be/dQw4w9WgXcQ",
]


async def console_session(sim: Sim, db: Path, lines: list[str], **settings: Any) -> str:
    screen = io.StringIO()
    console = Console(file=screen, width=99, force_terminal=False)
    source = ChainSource(
        DirectorySource(SAMPLES_DIR), YouTubeSource(session_factory=unreachable_session)
    )
    config = Settings(llm_base_url=sim.url, user_cooldown_seconds=0, db_path=db, **settings)
    async with open_app(config, source=source) as app:
        console_chat = ConsoleChat(app, console)
        console_chat.read_line = script(lines, console_chat)  # each line once the chat answered
        await console_chat.run()
        me = await app.actions.learners.local()
        taught = await taught_words(app.actions, me, "dig")
    out = screen.getvalue()
    assert isinstance(out, str)
    found = leaks(out, taught)
    assert found == [], f"English in the console: {found}\n{out}"
    return out


async def test_the_console_chat_in_korean(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)
    lines = [*CONSOLE_LINES]
    lines.insert(lines.index("/export pdf"), "/export csv deck.csv")
    out = await console_session(sim, tmp_path / "c.sqlite3", lines)
    assert "/export csv|apkg [파일]" in out, "the help is Korean, and [파일] is not eaten as markup"
    assert "단어장 열기: /open 번호" in out
    assert "명사" in out or "동사" in out, "parts of speech in Korean"
    assert re.search(r"카드 \d+장을 deck\.csv에 저장했어요", out), "the particle fits 장"
    assert "‘네’를 입력해 주세요" in out, "/forget asks for 네, not yes"
    assert "지우지 않았어요" in out
    assert "/x/missing.srt 파일을 찾을 수 없어요" in out, "an absolute path is a file"
    assert "지금은 유튜브에서 자막을 가져올 수 없어요" in out and "YOUTUBE_PROXY_URL" not in out
    assert "60초" not in out


async def test_the_console_forget_takes_ne_and_says_goodbye_in_korean(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    out = await console_session(sim, tmp_path / "f.sqlite3", ["/forget", "네"])
    assert "모두 지웠어요" in out, "네 deletes"
    assert "안녕히 가세요" in out, "the goodbye after /forget is Korean too"


@pytest.mark.parametrize(
    "error", [QuotaExceeded(3, retry_in=5 * 3600 + 60), BudgetExhausted(10, 10, retry_in=60)]
)
def test_the_quota_resets_in_korean_time(error: VocabotError) -> None:
    """The reset in a Korean learner's terms: 오전 9시 (KST, UTC midnight), no UTC."""
    said = error_message(error, translator("ko"))
    assert "매일 오전 9시, 한국 시간" in said and "UTC" not in said, said
    assert leaks(said, Taught([], [])) == []
    assert "0시간 1분 뒤" in said or "5시간 1분 뒤" in said


def _shown(screen: Screen) -> list[str]:
    """All a Discord user reads on a screen: contents, embeds, button labels, ephemerals."""
    out = list(screen.ephemeral)
    for message in (screen.original, screen.sent):
        out.append(str(message.get("content") or ""))
        embed = message.get("embed")
        if isinstance(embed, discord.Embed):
            data = embed.to_dict()
            out += [str(data.get("title", "")), str(data.get("description", ""))]
            out += [f"{f['name']} {f['value']}" for f in data.get("fields", [])]
            out.append(str(data.get("footer", {}).get("text", "")))
        view = message.get("view")
        if isinstance(view, discord.ui.View):
            for item in view.children:
                out.append(str(getattr(getattr(item, "item", item), "label", "") or ""))
    return out


async def test_discord_in_korean(dc: Discord) -> None:
    seen: list[str] = []

    async def run(command: Any, **kwargs: Any) -> Screen:
        screen = Screen()
        await dc.run(command, dc.interaction(ALICE, screen, locale=KO), **kwargs)
        seen.extend(_shown(screen))
        return screen

    await run(dc.cog.decks)
    screen = await dc.vocab(ALICE, "https://youtu.be/vocabDemo02", KO)
    await dc.wait_for_embed(screen)
    seen.extend(_shown(screen))
    message: dict[str, Any] = screen.original
    for label in ("▶", "◀", "표현", "단어", "모두 알아요", "CSV"):
        pressed = Screen(original=message)
        await button(message["view"], label).callback(
            dc.interaction(ALICE, pressed, message, locale=KO)
        )
        seen.extend(_shown(pressed))
    await run(dc.cog.decks)
    await run(dc.cog.known, word="dig")
    await run(dc.cog.stats)
    quiz = await run(dc.cog.quiz)
    answered = Screen(original=quiz.sent)
    await button(quiz.sent["view"], "1.").callback(
        dc.interaction(ALICE, answered, quiz.sent, locale=KO)
    )
    seen.extend(_shown(answered))
    await run(
        dc.cog.settings, learner_language=discord.app_commands.Choice(name="일본어", value="ja")
    )
    await run(dc.cog.cancel)
    await run(dc.cog.vocab, url="hello")
    ops = OpsCog(dc.app)
    for handler in (OpsCog.privacy, OpsCog.forget):
        asked = Screen()
        await cast(Any, handler.callback)(ops, dc.interaction(ALICE, asked, locale=KO))
        seen.extend(_shown(asked))
    kept = Screen(original=asked.sent)
    keep = asked.sent["view"].children[-1]  # "keep my data"
    await keep.callback(dc.interaction(ALICE, kept, asked.sent, locale=KO))
    seen.extend(_shown(kept))
    failed = await dc.vocab(ALICE, "https://youtu.be/dQw4w9WgXcQ", KO)
    await dc.wait_for_answer(failed)
    seen.extend(_shown(failed))

    alice = await dc.app.actions.learners.user("discord", ALICE)
    taught = await taught_words(dc.app.actions, alice, "dig")
    for text in seen:
        assert leaks(text, taught) == [], f"English on Discord: {text!r}"
    everything = "\n".join(seen)
    assert "✓ 아는 단어" in everything, "a known card is marked in Korean"
    assert "되돌릴 수 없어요" in everything and "지우지 않았어요" in everything
    assert "명사" in everything or "동사" in everything
    assert HANGUL.search(everything)


@pytest.mark.parametrize("kind", ["word", "phrase"])
def test_an_empty_tab_is_korean_in_every_face(kind: str) -> None:
    tr = translator("ko")
    info = DeckInfo(1, 1, "vocabDemo02", None, "ko", "B1", 0, 0, (), datetime.now(UTC))
    page = DeckPage(info, "phrase" if kind == "phrase" else "word", 0, 1, 0, ())
    empty = "이 영상에는 표현이 없어요." if kind == "phrase" else "이 단어장에는 단어가 없어요."
    screen = io.StringIO()
    Console(file=screen, width=99).print(page_view(tr, page, 99))
    discord_text = deck_embed(tr, page).description or ""
    taught = Taught(["vocabDemo02"], [])
    for shown in (page_html(tr, page), discord_text):
        assert empty in shown and leaks(shown, taught) == [], shown
    assert leaks(screen.getvalue(), taught) == [], screen.getvalue()


def test_a_review_due_in_a_minute_says_1_minute() -> None:
    """'다음 복습: 1분 후', never '60초 후' (a due time 59.9 s away)."""
    now = datetime.now(UTC)
    ko, en = translator("ko"), translator("en")
    assert ko.relative(now + timedelta(seconds=59.9), now) == "1분 후"
    assert en.relative(now + timedelta(seconds=60), now) == "in 1 minute"
    assert ko.relative(now + timedelta(seconds=30), now) == "30초 후"
    assert ko.relative(now + timedelta(days=3), now) == "3일 후"
