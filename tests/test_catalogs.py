"""The message catalogs are complete: every message the code marks is translated in every
interface language, with the same {placeholders}, and a message id missing from either
catalog fails here (python -m devtools.catalogs update / check keep them in step)."""

import pytest
from babel.messages.catalog import Catalog

import devtools.catalogs as catalogs
from core.i18n import INTERFACE_LANGUAGES, translator
from devtools.catalogs import extract, problems, read


def test_every_message_is_translated_in_every_language() -> None:
    assert list(problems()) == []


def test_a_message_missing_from_a_catalog_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: take one message out of the Korean catalog."""

    def without_one(language: str) -> Catalog:
        catalog = read(language)
        if language == "ko":
            catalog.delete("Saved ✓")
        return catalog

    monkeypatch.setattr(catalogs, "read", without_one)
    assert list(problems()) == ["ko: missing 'Saved ✓'"]


def test_the_catalogs_hold_what_the_code_says_and_nothing_is_lost() -> None:
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    assert len(wanted) > 150, "the extractor finds the marked messages"
    for language in INTERFACE_LANGUAGES:
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in read(language) if m.id}
        assert wanted <= have


def test_plural_forms_follow_each_language() -> None:
    ko, en = translator("ko"), translator("en")
    assert en.plural("{n} card", "{n} cards", 1) == "1 card"
    assert en.plural("{n} card", "{n} cards", 3) == "3 cards"
    assert ko.plural("{n} card", "{n} cards", 3) == "카드 3장"
    assert en.number(12345) == "12,345" and en.percent(0.5) == "50%"
