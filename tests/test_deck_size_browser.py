"""The study page's first cards and its "More words" link, in a real headless Chromium
(tests/study_harness.py), with the deck size set in the console chat on the same App."""

import re

from playwright.async_api import expect

from tests.study_harness import Study, need_chromium

need_chromium()


async def test_a_deck_opens_on_its_first_cards_and_more_words_shows_the_rest(
    study: Study,
) -> None:
    said = await study.chat(["/settings size 12", "vocabDemo02"])
    assert "Cards first: 12 cards" in said and "10 of 72 words, 62 more · /more" in said
    page = await study.signed_in()
    await page.get_by_role("link", name=re.compile("vocabDemo02")).click()
    await expect(page.locator("li.card")).to_have_count(10)
    await expect(page.locator("p.more")).to_contain_text("10 of 72 words, 62 more")
    await page.get_by_role("link", name="➕ More words (62)").click()
    await expect(page.locator("li.card")).to_have_count(72)
    await expect(page.get_by_role("link", name=re.compile("More words"))).to_have_count(0)
    await page.get_by_role("link", name=re.compile("Phrases")).click()
    await expect(page.locator("li.card")).to_have_count(2)
