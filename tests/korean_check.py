"""What a Korean learner must never see: English that is not a command, a URL, a file name,
a name that is the same in every language, or the English being taught.

`leaks(text, taught)` lists every Latin-script word of `text` outside those. It does not
skip card lines, quoted words or short words: a part of speech ("n", "adj"), a language
code ("ja") or a stray "72w" is a leak wherever it stands. `taught_words` collects what a
learner is being taught (every card's word, the deck's title, the video's sentences) from
the store, so only those pass as English: a card's word anywhere, the video's text only as
a stretch of it (a quoted sentence, a cloze's pieces), never as a lone word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot import texts
from core import User
from core.actions import Actions
from devtools.samples import SAMPLES_DIR

HANGUL = re.compile(r"[가-힣]")
# Names the same in every language, file formats and keys.
ALLOWED = {"vocabot", "anki", "csv", "apkg", "srt", "vtt", "txt", "enter", "api", "mb"}
# A language offered in its own name (Español, Deutsch …) is not English to a Korean.
SELF_NAMES = {
    w.lower() for name in texts.LEARNER_LANGUAGE_SELF_NAMES.values() for w in name.split()
}
_URL = re.compile(r"(?:https?://|tg://)\S+")
_FILE = re.compile(r"[^\s가-힣]*\.(?:csv|apkg|srt|vtt|txt|sqlite3|json)(?![A-Za-z0-9])")
# A command with the arguments its usage line shows: /open N, /settings ui en|ko, /known 3,
# /export csv|apkg [파일], /settings [ko|ja|…] [A1..C2], /vocab <link>, platform:id.
# /settings size 20, /settings level toeic 650, /export csv shown: the words a learner types.
_ARG = (
    r"(?:N|\d+|<[^>]*>|\[[^\]]*\]|size|level|shown|toeic|csat|[a-z]{2}(?:\|[a-z]{2})+"
    r"|csv\|apkg|csv|apkg|ui|[a-z]{2}|[A-C][12])(?![A-Za-z])"
)
# A shell command in backticks (`vocabot serve-api`), typed as it is.
_CODE = re.compile(r"`[^`\n]+`")
_COMMAND = re.compile(rf"(?<![\w/])/[a-z_]+(?:\s+{_ARG})*")
_TAG = re.compile(r"</?(?:a|b|i|s|u|code|pre)(?:\s[^>]*)?>")  # Telegram HTML
# A taught word's pronunciation (/ˈprɛzənt/, core/pronunciation.py): IPA letters between
# slashes, at least one of them not ASCII. It is the English being taught, written in IPA.
_IPA = re.compile(r"(?<![\w/])/(?=[^/\s]*[^\x00-\x7f])[ˈˌbdfhjklmnprstvwzɡŋθðʃʒæɑɔəɚɝɛɪʊʌaeiou]+/")
_CEFR = re.compile(r"(?<![A-Za-z0-9])[A-C][12](?![A-Za-z0-9])")
_PLATFORM_ID = re.compile(r"\b(?:platform|telegram|discord|console):(?:id|\d+)\b")
_L = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"  # Latin script, with its accented letters
_LATIN = re.compile(rf"[{_L}][{_L}'’]*")
# A stretch of Latin words with only spaces and punctuation between them.
_RUN = re.compile(rf"[{_L}][{_L}'’]*(?:[\s,.!?;:()\-–—\"“”]+[{_L}][{_L}'’]*)*")


class Taught:
    """What a learner is taught: the cards' words (and the video ids a deck is named by),
    and the videos' text, from which a quoted sentence or a cloze's pieces come."""

    def __init__(self, words: Iterable[str], transcripts: Iterable[str]) -> None:
        self.words = {w.lower() for word in words for w in _LATIN.findall(word)}
        self.text = " " + " ".join(_words(t) for t in transcripts) + " "

    def quotes(self, run: str) -> bool:
        return f" {_words(run)} " in self.text


def _words(text: str) -> str:
    return " ".join(w.lower().strip("'’") for w in _LATIN.findall(text))


def leaks(text: str, taught: Taught) -> list[str]:
    """Latin-script words in `text` that a Korean learner should not see."""
    for pattern in (_CODE, _TAG, _URL, _FILE, _PLATFORM_ID, _IPA, _COMMAND, _CEFR):
        text = pattern.sub(" ", text)
    found: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group(0)
        words = _LATIN.findall(run)
        before, after = text[max(0, match.start() - 2) : match.start()], text[match.end() :][:2]
        in_a_sentence = len(words) >= 2 or "_" in before + after or "“" in before
        if in_a_sentence and taught.quotes(run):
            continue  # a sentence from the video (or a piece of a cloze)
        found += [
            w
            for w in words
            if (key := w.lower().strip("'’")) not in ALLOWED | SELF_NAMES
            and key not in taught.words
        ]
    return found


async def taught_words(actions: Actions, user: User, *extra: str) -> Taught:
    """Every English word this learner is being taught, and the sample videos' text (the
    sentences a quiz quotes), plus `extra` (words the learner typed, e.g. /known dig)."""
    words = [w for e in extra for w in _LATIN.findall(e)]
    transcripts = []
    for path in SAMPLES_DIR.iterdir():
        if path.suffix in (".srt", ".vtt"):
            transcripts.append(path.read_text(encoding="utf-8"))
            words.append(path.name.split(".")[0])  # the video id, an untitled deck's name
    for deck in await actions.decks.all(user):
        words += _LATIN.findall(f"{deck.title or ''} {deck.video_id or ''}")
        for card in await actions.decks.cards(user, deck.id):
            words += _LATIN.findall(card.front)
            transcripts.append(card.item.sentence)
    return Taught(words, transcripts)
