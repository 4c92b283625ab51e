""" "Translate the sentence" and the IPA in the chats: Telegram's buttons (checked against
the presser), Discord's, the console's command. One call per card sentence, zero again."""

import re

from bot import texts
from tests.conftest import Sim
from tests.telegram_harness import ALICE, BOB, TG

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
