"""The YouTube source against youtube-transcript-api's own recorded pages (no network)."""

import socket
from datetime import UTC, datetime

import pytest
import requests

from bot.ops_texts import status_text
from core import errors, translator
from core.admin import AdminStatus
from core.store import UsageCount
from core.youtube import YouTubeSource, map_youtube_error, session_with_timeouts
from devtools.youtube_stub import closed_port, stub_session, unreachable_session

VIDEO = "GJLlxj_dtq8"  # the video the library's recorded pages belong to


async def test_fetches_preferred_language_with_times() -> None:
    source = YouTubeSource(session_factory=lambda: stub_session("ok"))
    transcript = await source.fetch(VIDEO, ["en"])
    assert transcript.video_id == VIDEO
    assert transcript.language == "en"
    assert [s.text for s in transcript.segments] == [
        "Hey, this is just a test",
        "this is not the original transcript",
        "just something shorter, I made up for testing",
    ]
    assert transcript.segments[1].start == pytest.approx(1.54)
    assert [s.index for s in transcript.segments] == [0, 1, 2]


async def test_falls_back_to_a_translation_when_the_language_is_missing() -> None:
    source = YouTubeSource(session_factory=lambda: stub_session("ok"))
    transcript = await source.fetch(VIDEO, ["uk"])
    assert transcript.language == "uk"  # translated by YouTube from a translatable track
    assert transcript.segments


@pytest.mark.parametrize(
    ("scenario", "error", "words"),
    [
        ("blocked", errors.YouTubeBlocked, "subtitle file"),
        ("age_restricted", errors.AgeRestricted, "age-restricted"),
        ("unplayable", errors.VideoUnavailable, "unavailable"),
        ("unavailable", errors.VideoUnavailable, "unavailable"),
        ("disabled", errors.CaptionsDisabled, "Captions are turned off"),
        ("disabled2", errors.CaptionsDisabled, "Captions are turned off"),
        ("po_token", errors.YouTubeBlocked, "blocking"),
    ],
)
async def test_each_library_failure_becomes_a_sentence(
    scenario: str, error: type[errors.VocabotError], words: str
) -> None:
    source = YouTubeSource(session_factory=lambda: stub_session(scenario))
    with pytest.raises(error) as info:
        await source.fetch(VIDEO, ["en"])
    assert words in info.value.user_message
    assert "Traceback" not in info.value.user_message


async def test_too_many_requests_is_reported_as_blocked() -> None:
    source = YouTubeSource(session_factory=lambda: stub_session("ok", watch_status=429))
    with pytest.raises(errors.YouTubeBlocked):
        await source.fetch(VIDEO, ["en"])


async def test_server_error_is_a_retry_later_message() -> None:
    source = YouTubeSource(session_factory=lambda: stub_session("ok", watch_status=503))
    with pytest.raises(errors.YouTubeFailed) as info:
        await source.fetch(VIDEO, ["en"])
    assert "try again" in info.value.user_message


def test_a_stalled_youtube_answer_times_out_instead_of_holding_a_thread() -> None:
    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        session = session_with_timeouts(connect=2.0, read=0.2)
        with pytest.raises(requests.Timeout) as info:
            session.get(f"http://127.0.0.1:{port}/watch?v=x")
    assert isinstance(map_youtube_error(info.value), errors.YouTubeFailed)


OWNER_FIXES = ("network", "YOUTUBE_PROXY_URL", "TRANSCRIPTS_DIR")
SETTINGS = ("YOUTUBE_PROXY_URL", "TRANSCRIPTS_DIR")


async def test_no_network_at_all_says_what_is_wrong_and_what_helps(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The learner is told what they can do (send the subtitle file); the server settings
    that would fix it go to the operator's log, never to the learner."""
    source = YouTubeSource(session_factory=unreachable_session)
    started = datetime.now(UTC)
    with caplog.at_level("WARNING"), pytest.raises(errors.YouTubeUnreachable) as info:
        await source.fetch(VIDEO, ["en"])
    message = info.value.user_message
    assert "can't get captions from YouTube" in message and "subtitle file" in message
    assert not any(setting in message for setting in SETTINGS), message
    assert "try again in a few minutes" not in message
    assert all(fix in info.value.operator_hint for fix in OWNER_FIXES)
    assert all(fix in caplog.text for fix in OWNER_FIXES), caplog.text
    # … and /admin shows the operator what to fix.
    problems = errors.problems_since(started)
    assert info.value.operator_hint in problems
    status = AdminStatus(0, 0, 0, UsageCount(), 0, 0, 0, 0, (), problems=problems)
    shown = status_text(translator("ko"), status)
    assert "운영자가 고칠 문제" in shown and "TRANSCRIPTS_DIR" in shown


async def test_the_network_dropping_mid_fetch_is_a_connection_failure() -> None:
    # The watch page and player come from the recorded assets; the captions request
    # cannot connect.
    source = YouTubeSource(session_factory=lambda: stub_session("ok", offline_at="timedtext"))
    with pytest.raises(errors.YouTubeUnreachable):
        await source.fetch(VIDEO, ["en"])


async def test_a_dead_proxy_is_named_as_the_problem() -> None:
    source = YouTubeSource(proxy_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(errors.YouTubeProxyFailed) as info:
        await source.fetch(VIDEO, ["en"])
    assert "YOUTUBE_PROXY_URL" in info.value.operator_hint
    assert "YOUTUBE_PROXY_URL" not in info.value.user_message


@pytest.mark.parametrize(
    ("exc", "error"),
    [
        (requests.ConnectionError("Failed to resolve 'youtube.com'"), errors.YouTubeUnreachable),
        (requests.ConnectTimeout("connect timed out"), errors.YouTubeUnreachable),
        (requests.exceptions.ProxyError("proxy refused"), errors.YouTubeProxyFailed),
        (requests.ReadTimeout("read timed out"), errors.YouTubeTimeout),
        (requests.HTTPError("503"), errors.YouTubeFailed),
    ],
)
def test_connection_failures_are_told_apart_from_bad_answers(
    exc: Exception, error: type[errors.VocabotError]
) -> None:
    assert type(map_youtube_error(exc)) is error


async def test_youtubes_own_bad_answer_still_says_try_again() -> None:
    source = YouTubeSource(session_factory=lambda: stub_session("ok", watch_status=503))
    with pytest.raises(errors.YouTubeFailed) as info:
        await source.fetch(VIDEO, ["en"])
    assert type(info.value) is errors.YouTubeFailed
    assert "didn't answer properly" in info.value.user_message
