"""IPA with stress from the CMU Pronouncing Dictionary (core/pronunciation.py)."""

import pytest

from core.pronunciation import ipa, to_ipa


@pytest.mark.parametrize(
    ("arpabet", "expected"),
    [
        ("K AE1 T", "/kæt/"),  # one syllable: no stress mark
        ("P R EH1 Z AH0 N T", "/ˈprɛzənt/"),  # the mark before the onset "pr"
        ("AH0 S T R EY1", "/əˈstreɪ/"),  # "str" begins a syllable
        ("AE0 B S T R AE1 K T", "/æbˈstrækt/"),  # "bstr" does not: b stays behind
        ("AH2 N D ER0 S T AE1 N D", "/ˌʌndɚˈstænd/"),  # secondary stress, ER0 is ɚ
        ("S IH1 NG ER0", "/ˈsɪŋɚ/"),  # ŋ never begins a syllable
        ("K AH0 M P Y UW1 T ER0", "/kəmˈpjutɚ/"),
        ("B ER1 D", "/bɝd/"),  # stressed ER
    ],
)
def test_arpabet_to_ipa_with_stress(arpabet: str, expected: str) -> None:
    assert to_ipa(arpabet.split()) == expected


def test_dictionary_words_have_ipa_and_others_none() -> None:
    assert ipa("present") == "/ˈprɛzənt/"
    assert ipa("Music") == "/ˈmjuzɪk/"  # any case
    assert ipa("understand") == "/ˌʌndɚˈstænd/"
    assert ipa("vocabotzz") is None  # not in the dictionary: nothing shown
    assert ipa("look up") is None  # a phrase is no dictionary word
    assert ipa("") is None
