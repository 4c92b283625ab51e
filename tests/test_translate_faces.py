""" "Translate the sentence" and the IPA in the chats: Telegram's buttons (checked against
the presser), Discord's, the console's command. One call per card sentence, zero again."""

import re
from pathlib import Path
from typing import Any

import discord
from fsrs import Rating

from bot import texts
from bot.discord.render import answer_embed, translation_text
from bot.telegram.render import answer_html, translation_html
from core.actions import SentenceTranslation
from core.i18n import translator
from core.srs import Answer, Kind, Question
from core.store import Card
from tests.conftest import Sim
from tests.discord_harness import ALICE as DC_ALICE
from tests.discord_harness import BOB as DC_BOB
from tests.discord_harness import Discord, Screen, button
from tests.factories import word
from tests.telegram_harness import ALICE, BOB, TG
from tests.test_console_chat import chat

HANGUL = re.compile("[가-힣]")


def translated_calls(sim: Sim) -> int:
    return sum(1 for c in sim.server.calls if c.status == 200 and c.task == "sentence_translation")


async def test_telegram_translates_a_cards_sentence_once(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    page = await tg.final_message(ALICE)
    assert re.search(r"<b>\w+</b> /[^/<>\s]+/", page.text), "a dictionary word shows its IPA"
    labels = [label for label, _ in page.buttons()]
    assert "🌐1" in labels and "🌐5" in labels

    before = len(tg.fake.sent(ALICE))
    assert await tg.press(ALICE, page, page.button("🌐1")) == texts.TRANSLATING
    said = await tg.fake.wait_for(lambda: tg.fake.sent(ALICE)[before:])
    assert said[0].text.startswith("🌐 <i>“") and "→ " in said[0].text
    assert HANGUL.search(said[0].text.split("→ ")[1]), "in the learner's language"
    assert translated_calls(tg.sim) == 1

    await tg.press(ALICE, page, page.button("🌐1"))
    again = await tg.fake.wait_for(lambda: tg.fake.sent(ALICE)[before + 1 :])
    assert again[0].text == said[0].text
    assert translated_calls(tg.sim) == 1, "asked again: zero calls"

    # Bob pressing Alice's button (or forging her card's id) gets nothing, costs nothing.
    assert await tg.press(BOB, page, page.button("🌐2")) == texts.NOT_YOURS
    assert translated_calls(tg.sim) == 1
    assert not [m for m in tg.fake.sent(BOB) if m.text.startswith("🌐")]


async def test_telegram_quiz_answer_offers_the_translation(tg: TG) -> None:
    tg.fake.push_text(ALICE, "https://youtu.be/vocabDemo02")
    await tg.final_message(ALICE)
    message = (await tg.reply_to(ALICE, "/quiz"))[0]
    await tg.press(ALICE, message, message.buttons()[0][1])
    assert texts.TRANSLATE in [label for label, _ in message.buttons()]
    before = len(tg.fake.sent(ALICE))
    await tg.press(ALICE, message, message.button(texts.TRANSLATE))
    said = await tg.fake.wait_for(lambda: tg.fake.sent(ALICE)[before:])
    assert "→ " in said[0].text and translated_calls(tg.sim) == 1


async def test_discord_translates_a_cards_sentence_once_for_its_owner(dc: Discord) -> None:
    screen = await dc.vocab(DC_ALICE, "vocabDemo02")
    embed = await dc.wait_for_embed(screen)
    assert any(re.search(r" /[^/\s]+/", f.name or "") for f in embed.fields), "IPA on cards"
    view: discord.ui.View = screen.original["view"]

    stranger = Screen()
    await button(view, "🌐1").callback(dc.interaction(DC_BOB, stranger, {}))
    assert stranger.ephemeral == [texts.NOT_YOURS] and translated_calls(dc.sim) == 0

    first = Screen()
    await button(view, "🌐1").callback(dc.interaction(DC_ALICE, first, {}))
    assert first.deferred and first.ephemeral[0].startswith("🌐 > ")
    assert HANGUL.search(first.ephemeral[0].split("→ ")[1])
    again = Screen()
    await button(view, "🌐1").callback(dc.interaction(DC_ALICE, again, {}))
    assert again.ephemeral == first.ephemeral and translated_calls(dc.sim) == 1


async def test_discord_quiz_answer_offers_the_translation(dc: Discord) -> None:
    await dc.wait_for_embed(await dc.vocab(DC_ALICE, "vocabDemo02"))
    asked = Screen()
    await dc.run(dc.cog.quiz, dc.interaction(DC_ALICE, asked))
    message: dict[str, Any] = {}
    await button(asked.sent["view"], "1.").callback(dc.interaction(DC_ALICE, Screen(), message))
    said = Screen()
    await button(message["view"], texts.TRANSLATE).callback(dc.interaction(DC_ALICE, said, {}))
    assert "→ " in said.ephemeral[0] and translated_calls(dc.sim) == 1


async def test_console_translate_by_card_number_and_after_a_quiz_answer(
    sim: Sim, tmp_path: Path
) -> None:
    out = await chat(
        sim,
        tmp_path / "c.sqlite3",
        [
            "https://youtu.be/vocabDemo02",
            "/translate 2",
            "/translate 2",
            "/translate 999",
            "/quiz",
            "1",
            "/translate",
            "",
            "/quit",
        ],
    )
    assert re.search(r"\w /[^/\s]+/", out), "the IPA of a dictionary word on the page"
    translated = [line for line in out.splitlines() if line.startswith("→ ")]
    assert len(translated) == 3 and translated[0] == translated[1]
    assert HANGUL.search(translated[0])
    assert "Which sentence?" in out, "a card number past the tab: one sentence"
    assert translated_calls(sim) <= 2, "card 2 once; the quiz's card at most once more"
    assert "Next review: in" in out, "Enter still rates the answer after /translate"


def _answer(lemma: str) -> Answer:
    card = Card(7, 1, "word", word(lemma), simulated=True)
    question = Question("q1", 7, Kind.CHOICE, "", card.item.sentence, ("a",), "a", "", None, True)
    return Answer(question, card, "a", True, Rating.Good)


def test_quiz_answers_show_the_ipa_and_simulated_translations_say_so() -> None:
    tr = translator("en")
    assert "<b>hypothesis</b> /haɪˈpɑθəsəs/" in answer_html(tr, _answer("hypothesis"))
    assert "<b>vocabotzz</b> <i>noun</i>" in answer_html(tr, _answer("vocabotzz")), "no IPA"
    embed = answer_embed(tr, _answer("hypothesis"))
    assert "**hypothesis** /haɪˈpɑθəsəs/" in str(embed.description)
    done = SentenceTranslation(7, "A sentence.", "문장이에요.", "ko", simulated=True)
    assert tr(texts.SIMULATED_TRANSLATION) in translation_html(tr, done)
    assert tr(texts.SIMULATED_TRANSLATION) in translation_text(tr, done)
    real = SentenceTranslation(7, "A sentence.", "문장이에요.", "ko", simulated=False)
    assert "🧪" not in translation_html(tr, real) and "🧪" not in translation_text(tr, real)
