"""No secret in any log line: redaction units, then whole processes with recognisable fake
secrets, failures everywhere, everything they print captured and searched."""

import io
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from websockets.typing import Subprotocol

from bot.logs import JsonFormatter, RedactingFormatter, Redactor, redact_handlers, secrets_of
from core import log_context
from core.api_keys import new_api_key
from core.config import Settings
from devtools.fake_telegram import FakeTelegram, Message
from devtools.processes import READY, free_port, vocabot
from devtools.samples import SAMPLES_DIR
from storage.sqlite import open_store
from tests.conftest import Sim

TELEGRAM = "7000001:AAHfakeTelegramSecret_0123456789abcdefXYZ"
OTHER_TELEGRAM = "7000002:AAHrejectedTelegramSecret_9876543210zyxw"
DISCORD = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GsEcRt.fakeDiscordSecretValue_abcdefghijklmn"
LLM_KEY = "sk-fake-llm-secret-4f9d8e7c6b5a"
PROXY_PASSWORD = "ProxyPassSecret42"
LOG_SALT = "LogSaltSecretValue77"
USER = 4242


def needles(*extra: str) -> list[str]:
    """The secrets, and the distinctive halves a partial leak would show."""
    found = [TELEGRAM, OTHER_TELEGRAM, DISCORD, LLM_KEY, PROXY_PASSWORD, LOG_SALT, *extra]
    found += [TELEGRAM.split(":")[1], OTHER_TELEGRAM.split(":")[1], DISCORD.split(".")[2]]
    found += [e.removeprefix("vk_") for e in extra]
    return found


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Secrets found in `text`, also across wrapped lines."""
    compact = re.sub(r"\s+", "", text)
    return [s for s in secrets if s in text or s in compact]


# -- the redactor ---------------------------------------------------------------------------


def test_patterns_and_known_values_are_masked() -> None:
    key = new_api_key()[0]
    redact = Redactor([LLM_KEY, "short", "p@ss word"])
    lines = {
        f"POST http://127.0.0.1:81/bot{TELEGRAM}/getUpdates": TELEGRAM,
        f"The token `{OTHER_TELEGRAM}` was rejected by the server.": OTHER_TELEGRAM,
        f'127.0.0.1:5 - "WebSocket /v1/jobs/ab/ws?api_key={key}" [accepted]': key,
        "GET /x?job=1&token=abc123secret HTTP/1.1": "abc123secret",
        "proxy http://vocabot:hunter2secret@127.0.0.1:9/ refused": "hunter2secret",
        f"< authorization: Bearer {key}": key,
        "< X-API-Key: notavkbutsecret": "notavkbutsecret",
        f"< Sec-WebSocket-Protocol: vocabot, vocabot.key.{key}": key,
        f"Incorrect key {LLM_KEY}": LLM_KEY,
        f"discord: Authorization: Bot {DISCORD}": DISCORD,
        f"a token ({DISCORD}) in prose": DISCORD,
        f"glued:api_vk_{key[3:]}": key[3:],
        "url-encoded p%40ss%20word and p%40ss+word": "p%40ss",
    }
    for line, secret in lines.items():
        masked = redact(line)
        assert secret not in masked, masked
        assert "***" in masked
    assert redact("a short story") == "a short story", 'a "secret" this short would blank out words'
    assert redact("GET /v1/decks HTTP/1.1 200") == "GET /v1/decks HTTP/1.1 200"


def test_tracebacks_are_redacted_on_every_handler() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.secrets.handler")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        redact_handlers(Redactor([LLM_KEY]))
        assert isinstance(handler.formatter, RedactingFormatter)
        try:
            raise RuntimeError(f"the server said: bad key {LLM_KEY}")
        except RuntimeError:
            logger.exception("calling %s failed", f"https://x/bot{TELEGRAM}/getMe")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Traceback" in text and "ERROR calling https://x/bot***/getMe failed" in text
    assert leaks(text, needles()) == []


def test_json_lines_carry_the_job_and_a_pseudonymous_learner_and_no_secret() -> None:
    tricky = 'pa"ss\\word-with-quote'  # JSON would escape it: redacted before encoding
    formatter = JsonFormatter(Redactor([tricky, LLM_KEY]), b"salt")
    logger = logging.getLogger("tests.secrets.json")
    with log_context.bound(job_id="j1", video_id="vid", user_id=42, stage="extracting"):
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 1, "proxy %s key %s", (tricky, LLM_KEY), None,
            extra={"duration": 1.5},
        )  # fmt: skip
        line = json.loads(formatter.format(record))
    assert line["message"] == "proxy *** key ***"
    assert (line["job_id"], line["video_id"], line["stage"], line["duration"]) == (
        "j1", "vid", "extracting", 1.5,
    )  # fmt: skip
    assert (
        line["user"] == formatter.user_key(42) != JsonFormatter(Redactor(), b"other").user_key(42)
    ), "stable for one salt, unlinkable across salts"
    assert line["user"] != "42" and "user_id" not in line
    try:
        raise RuntimeError(f"refused {tricky}")
    except RuntimeError:
        failed = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "boom", (), sys.exc_info()
        )
    error = json.loads(formatter.format(failed))["error"]
    assert "Traceback" in error and tricky not in error and "***" in error
    outside = json.loads(formatter.format(logger.makeRecord("x", 20, "f", 1, "plain", (), None)))
    assert set(outside) == {"time", "level", "logger", "message"}, "no job: no job fields"


def test_settings_name_their_secrets() -> None:
    settings = Settings(
        telegram_bot_token=SecretStr(TELEGRAM),
        discord_bot_token=SecretStr(DISCORD),
        llm_api_key=SecretStr(LLM_KEY),
        youtube_proxy_url=f"http://user:{PROXY_PASSWORD}@proxy:3128",
        database_url="postgresql://vocabot:DbPassSecret77@db:5432/vocabot",
        log_user_salt=SecretStr(LOG_SALT),
    )
    secrets = {TELEGRAM, DISCORD, LLM_KEY, PROXY_PASSWORD, "DbPassSecret77", LOG_SALT}
    assert set(secrets_of(settings)) >= secrets


# -- whole processes ------------------------------------------------------------------------


def secret_env(sim: Sim, tmp_path: Path, level: str, log_format: str) -> dict[str, str]:
    env = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM,
        "DISCORD_BOT_TOKEN": DISCORD,
        "LLM_BASE_URL": sim.url,
        "LLM_API_KEY": LLM_KEY,
        "LLM_BACKOFF_SECONDS": "0.01",
        # nothing listens there: every YouTube fetch fails at the proxy
        "YOUTUBE_PROXY_URL": f"http://vocabot:{PROXY_PASSWORD}@127.0.0.1:{free_port()}",
        "TRANSCRIPTS_DIR": str(SAMPLES_DIR),
        "DB_PATH": str(tmp_path / "secrets.sqlite3"),
        "USER_COOLDOWN_SECONDS": "0",
        "LOG_FORMAT": log_format,
        "LOG_USER_SALT": LOG_SALT,
    }
    if level:
        env["LOG_LEVEL"] = level
    return env


LEVELS = pytest.mark.parametrize(
    ("level", "log_format"),
    [("DEBUG", "json"), ("DEBUG", "text"), ("", "text"), ("", "json")],
    ids=["debug-json", "debug-text", "default-text", "default-json"],
)


def check_lines(text: str, log_format: str) -> list[dict[str, Any]]:
    """In JSON, every line a process writes is one JSON object (a collector reads them)."""
    if log_format != "json":
        return []
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all(isinstance(line, dict) for line in lines)
    return lines


async def job_end(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    async with client.stream("GET", f"/v1/jobs/{job_id}/events") as stream:
        last: dict[str, Any] = {}
        async for line in stream.aiter_lines():
            if line.startswith("data: "):
                last = json.loads(line[6:])
    return last


@pytest.mark.slow  # serve-api as a process
@LEVELS
async def test_serve_api_logs_no_secret(
    sim: Sim, tmp_path: Path, level: str, log_format: str
) -> None:
    env = secret_env(sim, tmp_path, level, log_format)
    async with open_store(Path(env["DB_PATH"])) as store:
        user = await store.get_or_create_user("api", "ann", learner_language="ko", level="B1")
        key, digest = new_api_key()
        await store.add_api_key(user.id, digest, "ann")
    bad_key = new_api_key()[0]
    sim.config.api_key = LLM_KEY
    sim.config.fault_queue = ["500", "500"]  # the LLM server fails, then recovers
    port = free_port()
    async with vocabot(["serve-api", "--port", str(port)], env, tmp_path) as server:
        await server.wait_for_line(READY)
        base = f"127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=f"http://{base}", headers=headers) as client:
            created = await client.post("/v1/jobs", json={"url": "vocabDemo02"})
            job = f"ws://{base}/v1/jobs/{created.json()['job_id']}/ws"
            async with websockets.connect(f"{job}?api_key={key}") as ws:  # the legacy way
                by_query = [json.loads(raw) async for raw in ws]
            async with websockets.connect(job, subprotocols=[Subprotocol("vocabot")]) as ws:
                await ws.send(json.dumps({"api_key": key}))
                by_message = [json.loads(raw) async for raw in ws]
            async with websockets.connect(
                job, subprotocols=[Subprotocol("vocabot"), Subprotocol(f"vocabot.key.{key}")]
            ):
                pass
            queried = await client.get(f"/v1/decks?api_key={key}&token={key}")
            wrong = await client.get("/v1/decks", headers={"Authorization": f"Bearer {bad_key}"})
            youtube = await client.post("/v1/jobs", json={"url": "zzzzzzzzzz1"})
            youtube_end = await job_end(client, youtube.json()["job_id"])
            sim.config.api_key = "a-key-we-do-not-have"  # now the LLM server refuses ours
            refused = await client.post("/v1/jobs", json={"url": "vocabDemo01"})
            refused_end = await job_end(client, refused.json()["job_id"])
            too_big = await client.post("/v1/jobs", content=b"{" * 100_000)
            metrics = await client.get("/metrics")
            ready = await client.get("/readyz")
    answers = [created, queried, wrong, youtube, refused, too_big, metrics, ready]
    replies = " ".join(r.text for r in answers) + json.dumps([youtube_end, refused_end])
    assert leaks(replies, needles(bad_key)) == [], "no secret in any answer"
    assert by_query[-1]["status"] == by_message[-1]["status"] == "done"
    assert queried.status_code == 200 and wrong.status_code == 403
    assert youtube_end["error"]["code"] == "youtube_proxy_failed"
    assert refused_end["status"] == "failed" and refused_end["error"]["code"] == "llm_rejected"
    assert too_big.status_code == 413
    assert sum(1 for c in sim.server.calls if c.status == 500) == 2
    text = server.text
    assert "uvicorn.access" in text and "WebSocket /v1/jobs/" in text, "the log was captured"
    if level == "DEBUG":
        assert "sec-websocket-protocol" in text.lower(), "websockets' handshake dumps are in"
    assert leaks(text, needles(key, bad_key)) == []
    assert 'vocabot_llm_requests_total{server="http://127.0.0.1' in metrics.text
    check_lines(text, log_format)


class FlakyTelegram(FakeTelegram):
    """The fake Bot API, answering 500 to the next calls of a method when asked."""

    fail_500: dict[str, int]

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if self.fail_500.get(method):
            self.fail_500[method] -= 1
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            return JSONResponse(body, status_code=500)
        return await super().handle(request)


async def telegram_says(fake: FakeTelegram, text: str, fragment: str) -> Message:
    fake.push_text(USER, text)

    def said() -> Message | None:
        return next((m for m in fake.sent(USER) if fragment in m.plain), None)

    message: Message = await fake.wait_for(said, 30)
    return message


@pytest.mark.slow  # the bot as a process, 11-15 s each
@LEVELS
async def test_telegram_bot_logs_no_secret(
    sim: Sim, tmp_path: Path, level: str, log_format: str
) -> None:
    env = secret_env(sim, tmp_path, level, log_format)
    env["METRICS_PORT"] = str(free_port())
    sim.config.api_key = LLM_KEY
    sim.config.fault_queue = ["500", "500"]
    fake = FlakyTelegram(token=TELEGRAM)
    fake.fail_500 = {"sendMessage": 4}  # more 500s than the retries: the reply fails, logged
    async with fake.serve() as base_url:
        env["TELEGRAM_API_BASE_URL"] = base_url
        env.pop("DISCORD_BOT_TOKEN")  # there is no fake Discord: it would dial discord.com
        async with vocabot(["run"], env, tmp_path) as bot:
            await fake.wait_for(lambda: fake.calls_of("getUpdates"), 30)
            fake.push_text(USER, "/help")  # answered with a 500 from Telegram
            await fake.wait_for(lambda: fake.fail_500["sendMessage"] == 0, 30)
            await telegram_says(fake, "vocabDemo02", "📚")
            # the learner is told what they can do; the proxy (and its password) stays in the
            # log's operator hint, without the password
            blocked = "https://youtu.be/zzzzzzzzzz1"
            await telegram_says(fake, blocked, "Send me the video's subtitle")
            sim.config.api_key = "a-key-we-do-not-have"
            await telegram_says(fake, "vocabDemo01", "refused the request")
            ops = f"http://127.0.0.1:{env['METRICS_PORT']}"
            async with httpx.AsyncClient(base_url=ops) as client:
                metrics = await client.get("/metrics")
                ready = await client.get("/readyz")
            assert await bot.stop() == 0
        env["TELEGRAM_BOT_TOKEN"] = OTHER_TELEGRAM  # the fake answers 401 to this one
        async with vocabot(["run"], env, tmp_path) as rejected:
            assert await rejected.exited() == 1
    assert "the token was rejected" in rejected.text
    text = bot.text + rejected.text
    assert "Telegram: started" in text and "Traceback" in text, "the log was captured"
    assert leaks(text, needles()) == []
    lines = check_lines(bot.text, log_format)
    if lines:  # a job's end: its job, video, duration and a pseudonymous learner
        ended = [line for line in lines if "duration" in line and "job_id" in line]
        assert ended and {"video_id", "user", "level", "time"} <= set(ended[0])
        assert all(line.get("user") not in (str(USER), None) for line in ended)
    assert ready.status_code == 200 and ready.json()["checks"]["telegram"]["ok"], ready.text
    assert "vocabot_jobs_finished_total" in metrics.text
    replies = " ".join(m.text for m in fake.sent()) + metrics.text + ready.text
    assert leaks(replies, needles()) == [], "no secret in any reply, metric or health answer"
