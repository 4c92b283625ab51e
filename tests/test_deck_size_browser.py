"""The study page's first cards and its "More words" link, in a real headless Chromium
(tests/study_harness.py), with the deck size set in the console chat on the same App."""

import re

import pytest
from playwright.async_api import expect

from tests.sample_decks import COFFEE_PHRASES, COFFEE_WORDS, shown
from tests.study_harness import Study, need_chromium

need_chromium()
pytestmark = pytest.mark.slow  # a real browser, as the study page's other browser tests


async def test_a_deck_opens_on_its_first_cards_and_more_words_shows_the_rest(
    study: Study,
) -> None:
    said = await study.chat(["/settings size 12", "vocabDemo02"])
    w, n = shown(12)[0], COFFEE_WORDS
    assert "Cards first: 12 cards" in said and f"{w} of {n} words, {n - w} more · /more" in said
    page = await study.signed_in()
    await page.get_by_role("link", name=re.compile("vocabDemo02")).click()
    await expect(page.locator("li.card")).to_have_count(w)
    await expect(page.locator("p.more")).to_contain_text(f"{w} of {n} words, {n - w} more")
    await page.get_by_role("link", name=f"➕ More words ({n - w})").click()
    await expect(page.locator("li.card")).to_have_count(n)
    await expect(page.get_by_role("link", name=re.compile("More words"))).to_have_count(0)
    await page.get_by_role("link", name=re.compile("Phrases")).click()
    await expect(page.locator("li.card")).to_have_count(COFFEE_PHRASES)
