"""A whole session in Telegram as a Korean learner, and the same one in English.

The client says `language_code=ko`: start, settings, a link with its progress and cards,
the quiz, stats, help and an error. Every text the bot sends is Korean apart from commands,
URLs and the English being taught (card words, sentences from the video, a quiz's word).
The same session from an `en` client is English, apart from the Korean meanings (the
learner language stays ko: a separate setting).
"""

import re

from devtools.fake_telegram import Message
from tests.korean_check import HANGUL, Taught, leaks, taught_words
from tests.sample_decks import COFFEE_WORDS
from tests.telegram_harness import TG

USER = 5151


def shown(message: Message) -> str:
    """All a user reads in a message: its text as rendered and every button's label."""
    return "\n".join([message.plain, *(label for label, _ in message.buttons())])


async def press_all(tg: TG, message: Message, *parts: str) -> list[str]:
    """Press the first button whose label holds each part (or whose data starts with it,
    for a part ending in "|"); the toasts the bot answered."""
    toasts = []
    for part in parts:
        if part.endswith("|"):  # a kind of button, by its data
            data = next(d for _, d in message.buttons() if d.startswith(part))
        else:
            data = message.button(part)
        toasts.append(await tg.press(USER, message, data))
    return toasts


def every_state(tg: TG) -> list[str]:
    """Each text and keyboard the bot ever showed: every message sent and every edit (a
    page turned, a tab switched, /decks before its button opened a deck)."""
    calls = [*tg.fake.calls_of("sendMessage"), *tg.fake.calls_of("editMessageText")]
    return [
        shown(
            Message(
                0, 0, c.params["text"], c.params.get("reply_markup"), c.params.get("parse_mode")
            )
        )
        for c in calls
    ]


async def failures(tg: TG, n: int) -> None:
    """Until the bot has told of `n` failures (❌)."""
    await tg.fake.wait_for(lambda: sum("❌" in m.text for m in tg.fake.sent(USER)) >= n)


async def with_buttons(tg: TG, command: str, *kinds: str) -> Message:
    """Send a command; the bot's new message with a button of one of these kinds."""
    before = len(tg.fake.sent(USER))
    tg.fake.push_text(USER, command)

    def found() -> Message | None:
        new = tg.fake.sent(USER)[before:]
        return next((m for m in new if any(d.startswith(kinds) for _, d in m.buttons())), None)

    message: Message = await tg.fake.wait_for(found)
    return message


async def session(tg: TG) -> tuple[list[Message], list[str]]:
    """Every command and every kind of button: start, settings (each row), help, an empty
    /decks, a link (progress, pages, tabs, ✓, ✓ all, export both ways), /decks and its
    button, /known, /export, the quiz (answer, rate), stats, /web, /privacy, /forget (kept),
    /cancel, /vocab without a link, /admin (not an admin), an unknown command, a subtitle
    file that has no subtitles, a YouTube error. Every message as last shown, and every toast."""
    toasts: list[str] = []
    for command in ("/start", "/help", "/decks"):
        await tg.reply_to(USER, command)
    settings = (await tg.reply_to(USER, "/settings"))[-1]
    toasts += await press_all(tg, settings, "日本語", "B2", "한국어", "B1")
    tg.fake.push_text(USER, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(USER)
    toasts += await press_all(tg, page, "▶", "◀", "k|", "K|", "💬", "📖", "CSV", "Anki")
    decks = await with_buttons(tg, "/decks", "d|")
    toasts.append(await tg.press(USER, decks, decks.buttons()[0][1]))
    for command in ("/known dig", "/known", "/export"):
        await tg.reply_to(USER, command)
    question = await with_buttons(tg, "/quiz", "qa|", "qs|")
    toasts.append(await tg.press(USER, question, question.buttons()[0][1]))
    toasts.append(await tg.press(USER, question, question.button("•")))  # the suggested rating
    for command in ("/stats", "/web", "/privacy", "/vocab", "/admin", "/cancel", "/nonsense"):
        await tg.reply_to(USER, command)
    forget = await with_buttons(tg, "/forget", "fg|")
    toasts.append(await tg.press(USER, forget, forget.buttons()[-1][1]))  # keep my data
    tg.fake.push_document(USER, "lesson.srt", b"no subtitle lines here")  # a bad file
    await failures(tg, 1)
    tg.fake.push_text(USER, "https://youtu.be/dQw4w9WgXcQ")  # YouTube: captions turned off
    await failures(tg, 2)
    return tg.fake.sent(USER), [t for t in toasts if t]


async def test_a_korean_learner_gets_every_reply_in_korean(tg: TG) -> None:
    tg.fake.languages[USER] = "ko"
    sent, toasts = await session(tg)
    assert len(sent) >= 20
    progress = [c.params["text"] for c in tg.fake.calls_of("editMessageText")]
    assert any("자막을 가져오는 중" in t for t in progress), "progress in Korean too"
    me = await tg.app.actions.learners.user("telegram", USER)
    taught = await taught_words(tg.app.actions, me, "dig")
    documents = [c.params.get("caption", "") for c in tg.fake.calls_of("sendDocument")]
    for text in [*every_state(tg), *toasts, *documents]:
        assert leaks(text, taught) == [], f"English in {text!r}"
    for message in sent:
        assert HANGUL.search(shown(message)), f"no Korean in {message.text!r}"
    texts = "\n".join(m.plain for m in sent)
    assert f"단어 {COFFEE_WORDS}개 중 1–5" in texts and "📊 학습 현황" in texts
    assert "자막이 꺼져 있어서" in texts, "the error in Korean"
    assert "자막을 한 줄도 찾지 못했어요" in texts, "a bad subtitle file, in Korean"
    for part_of_speech in (" n ", " adj ", " v "):
        assert part_of_speech not in texts
    assert "명사" in texts or "동사" in texts, "parts of speech in Korean"


def test_the_leak_check_catches_each_leak_the_review_found() -> None:
    """Each line a Korean learner saw before issue 26 fails the check."""
    taught = Taught(["dig", "vocabDemo02"], ["You can dig a hole in the garden."])
    seen = [
        "1. dig n — 파다",  # a part of speech
        "vocabDemo02 · 72w 2p",  # /decks buttons
        "No phrases in this video.",
        "1. dig · ✓ known",  # Discord's card title
        "• ko ja zh es fr de",  # meaning-language buttons as codes
        "단어장 열기: /open N to open one",
        "vocabot chat — paste a YouTube link",  # the console /help in English
        "봇 운영자는 YOUTUBE_PROXY_URL을 설정하거나 TRANSCRIPTS_DIR에 자막 파일을 넣을 수 있어요.",
        "한도는 UTC 자정, 즉 3시간 후에 다시 채워져요.",
        "모두 지우려면 yes 를 입력하세요.",
    ]
    for line in seen:
        assert leaks(line, taught), line
    fine = [
        "1. dig 명사 — 파다\n“You can dig a hole in the garden.” ▶ 0:17",
        "/settings ui en|ko 로 봇 언어를 바꿔요. /open N, /export csv|apkg [파일]",
        "vocabDemo02.csv에 저장했어요. https://youtu.be/vocabDemo02?t=17 · 日本語 Español",
        "✍️ You can ____ a hole · B2 중상급 · Anki(.apkg) · Enter",
    ]
    for line in fine:
        assert leaks(line, taught) == [], line


async def test_an_english_client_gets_the_same_session_in_english(tg: TG) -> None:
    sent, _ = await session(tg)
    for message in sent:
        own = re.sub(r"(?m)^\d+\. .*$", " ", message.plain)  # card lines: Korean meanings
        own = re.sub(r"(?m)^.* — .*$", " ", own)  # an answer's card line
        labels = [lb for lb, data in message.buttons() if not data.startswith(("qa|", "s"))]
        assert not HANGUL.search(" ".join([own, *labels])), f"Korean in {message.text!r}"
    texts = "\n".join(m.text for m in sent)
    assert f"Words 1–5 of {COFFEE_WORDS}" in texts and "📊 Your progress" in texts
    assert HANGUL.search(texts), "meanings stay in the learner language (ko)"


async def test_the_bot_language_is_picked_in_settings_and_kept(tg: TG) -> None:
    tg.fake.languages[USER] = "ko"
    settings = (await tg.reply_to(USER, "/settings"))[-1]
    assert "봇 언어" in settings.text and "한국어" in settings.text
    await tg.press(USER, settings, settings.button("🌐 English"))
    assert "Bot language" in settings.text and "Meanings in" in settings.text
    reply = (await tg.reply_to(USER, "/help"))[-1]
    assert "vocabot turns a YouTube video" in reply.text, "the pick wins over the client"
    alice = await tg.app.actions.learners.user("telegram", USER)
    assert alice.interface_language == "en" and alice.learner_language == "ko"


async def test_the_command_menu_is_registered_in_korean_and_english(tg: TG) -> None:
    menus = {
        c.params.get("language_code"): c.params["commands"]
        for c in tg.fake.calls_of("setMyCommands")
    }
    assert set(menus) == {None, "ko"}
    korean = {c["command"]: c["description"] for c in menus["ko"]}
    english = {c["command"]: c["description"] for c in menus[None]}
    assert set(korean) == set(english), "command names stay English"
    assert korean["quiz"] == "단어 복습" and english["quiz"] == "review your words"


async def test_the_korean_help_fits_one_phone_screen(tg: TG) -> None:
    tg.fake.languages[USER] = "ko"
    shown = (await tg.reply_to(USER, "/help"))[-1].plain
    assert HANGUL.search(shown)
    # A phone shows about 20 lines of chat text, of about 30 Korean characters each.
    lines = sum(max(1, -(-len(line) // 30)) for line in shown.splitlines())
    assert lines <= 20, shown
