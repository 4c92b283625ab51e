"""A whole session in Telegram as a Korean learner, and the same one in English.

The client says `language_code=ko`: start, settings, a link with its progress and cards,
the quiz, stats, help and an error. Every text the bot sends is Korean apart from commands,
URLs and the English being taught (card words, sentences from the video, a quiz's word).
The same session from an `en` client is English, apart from the Korean meanings (the
learner language stays ko: a separate setting).
"""

import re

from devtools.fake_telegram import Message
from tests.telegram_harness import TG

USER = 5151
HANGUL = re.compile(r"[가-힣]")
# Words that are the same in every language: names, formats, codes.
ALLOWED = {"vocabot", "youtube", "anki", "apkg", "csv", "srt", "vtt", "txt", "http", "https"}


def the_bots_own_words(message: Message) -> str:
    """What the bot itself says in a message: without the English it teaches (card lines,
    sentences and words in quotes, bold words), commands, links and the deck's title."""
    text = message.text
    text = re.sub(r"<a [^>]*>.*?</a>", " ", text)
    text = re.sub(r"“[^”]*”", " ", text)  # sentences from the video, the word asked about
    text = re.sub(r"(?m)^\d+\. .*$", " ", text)  # card lines: word, part of speech, meaning
    text = re.sub(r"<b>[^<]*</b>( <i>[a-z]+</i>)? — [^\n]*", " ", text)  # an answer's card
    text = re.sub(r"(?m)^📚 <b>.*?</b>$", " ", text)  # the deck's title (the video's)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+|/[a-z]+\b|\b[A-C][12]\b|\([a-z]{2}\)", " ", text)
    # Quiz options are meanings; a language is offered in its own name ("🌐 한국어").
    labels = [label for label, data in message.buttons() if not data.startswith(("qa|", "su|"))]
    return " ".join([text, *labels])


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in ALLOWED]


async def session(tg: TG) -> list[Message]:
    """start, settings, a link (progress, cards), the quiz (answer, rate), stats, help, an
    error; every message the bot sent or edited, as it was last shown."""
    for command in ("/start", "/settings"):
        await tg.reply_to(USER, command)
    tg.fake.push_text(USER, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(USER)
    await tg.press(USER, page, page.button("▶"))
    question = (await tg.reply_to(USER, "/quiz"))[-1]
    await tg.press(USER, question, question.buttons()[0][1])
    await tg.press(USER, question, question.button("•"))  # the suggested rating
    for command in ("/stats", "/help", "/nonsense"):
        await tg.reply_to(USER, command)
    tg.fake.push_text(USER, "https://youtu.be/dQw4w9WgXcQ")  # YouTube: captions turned off
    await tg.final_message(USER, "❌")
    return tg.fake.sent(USER)


async def test_a_korean_learner_gets_every_reply_in_korean(tg: TG) -> None:
    tg.fake.languages[USER] = "ko"
    sent = await session(tg)
    assert len(sent) >= 8
    progress = [c.params["text"] for c in tg.fake.calls_of("editMessageText")]
    assert any("자막을 가져오는 중" in t for t in progress), "progress in Korean too"
    for message in sent:
        own = the_bots_own_words(message)
        assert HANGUL.search(own), f"no Korean in {message.text!r}"
        assert english_words(own) == [], f"English in {message.text!r}"
    texts = "\n".join(m.text for m in sent)
    assert "단어 72개 중 6–10" in texts and "📊 학습 현황" in texts
    assert "자막이 꺼져 있어서" in texts, "the error in Korean"


async def test_an_english_client_gets_the_same_session_in_english(tg: TG) -> None:
    sent = await session(tg)
    for message in sent:
        own = the_bots_own_words(message)
        assert not HANGUL.search(own), f"Korean in {message.text!r}"
    texts = "\n".join(m.text for m in sent)
    assert "Words 6–10 of 72" in texts and "📊 Your progress" in texts
    assert HANGUL.search(texts), "meanings stay in the learner language (ko)"


async def test_the_bot_language_is_picked_in_settings_and_kept(tg: TG) -> None:
    tg.fake.languages[USER] = "ko"
    settings = (await tg.reply_to(USER, "/settings"))[-1]
    assert "봇 언어" in settings.text and "한국어" in settings.text
    await tg.press(USER, settings, settings.button("English"))
    assert "Bot language" in settings.text and "Meanings in" in settings.text
    reply = (await tg.reply_to(USER, "/help"))[-1]
    assert "vocabot turns a YouTube video" in reply.text, "the pick wins over the client"
    alice = await tg.app.actions.user("telegram", USER)
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
