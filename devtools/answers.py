"""What the simulated model says: valid JSON built from the text it was actually sent.

It knows the shapes it is asked for (vocabot's extraction prompt, the seed design's three
prompts used by the benchmark) and answers any other schema with a minimal valid value.
Meanings come from devtools/glosses.py: pseudo-words in the learner language's own script,
derived from the term so the same word always gets the same "meaning"; every deck built
from them is labelled as simulated so nobody mistakes them for a model's.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import simplemma

from core.grading import graded_words, is_listed
from core.learners import is_loanword
from core.words import zipf
from devtools.glosses import simulated_meaning, simulated_sentence

_PARTICLES = "up|out|off|down|away|back|over"
_PHRASAL = re.compile(rf"\b([a-z]{{3,}}) ({_PARTICLES})\b")
_NOT_VERBS = {
    "the", "and", "but", "for", "you", "are", "was", "this", "that", "with", "not", "all",
    "one", "two", "get", "got", "its", "our", "out", "who", "how", "can", "has", "had",
    "then", "than", "them", "they", "there", "here", "what", "when", "just", "also",
    "more", "most", "very", "much", "some", "even", "from", "well", "back", "down",
}  # fmt: skip
# Words a model asked for "nouns, verbs, adjectives and adverbs" does not list.
_CLOSED_CLASS = frozenset(
    "about above across after again against along also although among another around because "
    "been before behind being below beneath beside besides between beyond both could does "
    "doing during each either else enough every everyone everything from have having here "
    "hers herself himself into itself just less many might more most much must myself neither "
    "nobody none nothing once only onto other others ought ours ourselves over same several "
    "shall should since some somebody someone something such than that their theirs them "
    "themselves then there these they this those though through throughout till toward "
    "towards under unless until upon very were what whatever when whenever where whereas "
    "wherever whether which while whom whose will with within without would your yours "
    "yourself yourselves".split()
)
_SEGMENT = re.compile(r"^\[(\d+)\] (.*)$", re.M)
_CANDIDATE = re.compile(r"([^\s,\[\]]+) \[(\d+)\]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def warm_up() -> None:
    # low_memory: simplemma's compact dictionary, the same lemmas (tests/test_word_tables.py),
    # the one core.words reads, so a bot running the simulator inside holds it once
    simplemma.lemmatize("warming", lang="en", low_memory=True)


def _pos(word: str) -> str:
    """The part of speech a model would give: the graded list's when it has one sense,
    else a guess from the ending."""
    senses = graded_words().get(word, {})
    if len(senses) == 1:
        only = next(iter(senses))
        return only if only != "other" else "n"
    if word.endswith("ly"):
        return "adv"
    if word.endswith(("tion", "ment", "ness", "ity", "ance", "ence", "ism", "ship")):
        return "n"
    if word.endswith(("ize", "ise", "ate", "ify", "en")):
        return "v"
    if word.endswith(("ous", "ful", "ive", "able", "ible", "al", "ic", "less")):
        return "adj"
    return "n"


def _phrases(segments: list[tuple[int, str]], limit: int) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for index, text in segments:
        for verb, particle in _PHRASAL.findall(text.lower()):
            if verb in _NOT_VERBS or verb.endswith("ly"):
                continue
            phrase = f"{simplemma.lemmatize(verb, lang='en', low_memory=True)} {particle}"
            found.setdefault(phrase, index)
    return list(found.items())[:limit]


_FOUND = re.compile(r"([^;\[\]]+?) \[(\d+)\]")
# Rarer than this and said in auto-generated captions: the simulated model hears a
# mishearing ("quam" for "qualm"), as a real model judges a word against its sentence.
_MISHEARD_ZIPF = 2.0


@cache
def _loan_senses() -> dict[str, frozenset[str]]:
    """Words Korean borrowed in one narrower sense, each with the cue words of that sense
    (devtools/loan_senses.txt)."""
    text = (resources.files("devtools") / "loan_senses.txt").read_text(encoding="utf-8")
    entries = (line.partition(":") for line in text.splitlines() if not line.startswith("#"))
    return {word.strip(): frozenset(cues.split()) for word, _, cues in entries if cues}


def _in_loan_sense(lemma: str, lang: str, sentence: str) -> bool:
    """Does `sentence` use `lemma` in the one sense Korean borrowed it in? A model reads
    the sentence; the simulated one looks for a cue word of that sense."""
    cues = _loan_senses().get(lemma) if lang.split("-")[0] == "ko" else None
    if not cues:
        return False
    words = {w.lower() for w in _WORD.findall(sentence)}
    lemmas = {simplemma.lemmatize(w, lang="en", low_memory=True) for w in words}
    return not cues.isdisjoint(words | lemmas)


def _set_aside(lemma: str, lang: str, generated: bool, sentence: str = "") -> str | None:
    """Why the simulated model says a candidate is no card: a loanword of the learner's
    language (or a word used in the one sense it borrowed), a name, or (auto-generated
    captions only) a likely mishearing."""
    if is_loanword(lemma, lang) or _in_loan_sense(lemma, lang, sentence):
        return "loan"
    if simplemma.lemmatize(lemma, lang="en", low_memory=True)[:1].isupper():
        return "name"
    if generated and zipf(lemma) < _MISHEARD_ZIPF and not is_listed(lemma):
        return "err"
    return None


def vocab_chunk(last: str, scale: float = 1.0) -> dict[str, Any]:
    lang_match = re.search(r"^Learner: .*?\((\w[\w-]*)\)", last, re.M)
    lang = lang_match.group(1) if lang_match else "ko"
    limit_match = re.search(r"^Phrases: up to (\d+)", last, re.M)
    limit = int(limit_match.group(1)) if limit_match else 2
    generated = bool(re.search(r"Captions: auto-generated", last))
    found_line = re.search(r"^Phrases found: (.*)$", last, re.M)
    found = (
        [(t.strip(), int(i)) for t, i in _FOUND.findall(found_line.group(1))] if found_line else []
    )
    candidates_line = re.search(r"^Candidates: (.*)$", last, re.M)
    candidates = _CANDIDATE.findall(candidates_line.group(1)) if candidates_line else []
    segments = [(int(i), text) for i, text in _SEGMENT.findall(last)]
    texts = dict(segments)
    words, skipped = [], []
    for lemma, index in candidates:
        reason = _set_aside(lemma, lang, generated, texts.get(int(index), ""))
        if reason:
            skipped.append({"l": lemma, "r": reason})
        else:
            words.append({"l": lemma, "p": _pos(lemma), "m": simulated_meaning(lemma, lang, scale)})
    phrases = dict(found)
    for phrase, index in _phrases(segments, limit):
        if len(phrases) >= limit:
            break
        phrases.setdefault(phrase, index)
    return {
        "w": words,
        "x": skipped,
        "p": [
            {"t": phrase, "m": simulated_meaning(phrase, lang, scale), "s": index}
            for phrase, index in phrases.items()
        ],
    }


def seed_words(last: str, scale: float = 1.0) -> dict[str, Any]:
    """The seed design asked for every noun/verb/adjective/adverb, inflected forms and all
    (but not pronouns, prepositions, conjunctions, auxiliaries or contractions)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(last):
        lower = word.lower()
        useful = lower not in _NOT_VERBS and lower not in _CLOSED_CLASS and "'" not in lower
        if len(lower) >= 4 and useful:
            seen.setdefault(lower, None)
    return {"words": [{"word": w, "pos": _pos(w)} for w in seen]}


def seed_phrases(last: str, scale: float = 1.0) -> dict[str, Any]:
    segments = [(i, line) for i, line in enumerate(last.splitlines())]
    return {"phrases": [{"phrase": p} for p, _ in _phrases(segments, 12)]}


def seed_enrich(last: str, scale: float = 1.0) -> dict[str, Any]:
    match = re.search(r"^Item: (.*)$", last, re.M)
    item = match.group(1).strip() if match else "word"
    meanings = [simulated_meaning(item, "ko", scale), simulated_meaning(f"{item} 2", "ko", scale)]
    return {
        "meanings": meanings,
        "synonyms": [f"{item}-like", f"similar to {item}"],
        "example": f"This is an example sentence that uses the expression '{item}' naturally.",
    }


def sentence_translation(last: str, scale: float = 1.0) -> dict[str, Any]:
    """ "Translate the sentence": pseudo-words in the asked language's script, about as many
    tokens as the sentence has (a translation is roughly as long as what it translates)."""
    lang_match = re.search(r"^Language: .*?\((\w[\w-]*)\)", last, re.M)
    lang = lang_match.group(1) if lang_match else "ko"
    sentence_match = re.search(r"^Sentence: (.*)$", last, re.M)
    sentence = sentence_match.group(1).strip() if sentence_match else last
    return {"t": simulated_sentence(sentence, lang, scale)}


def bad_types(answer: dict[str, Any]) -> dict[str, Any]:
    """A model that ignores the schema's types."""
    return {"w": "none", "p": 5} if "w" in answer else {"answer": answer}


def junk_meanings(answer: dict[str, Any]) -> dict[str, Any]:
    """A model too small for the task: keyboard noise and the word itself as meanings."""

    def junk(item: dict[str, Any], key: str) -> dict[str, Any]:
        term = str(item.get(key, ""))
        noise = "".join(random.Random(term).choice("bcdfghjklmnpqrstvwxz") for _ in range(14))
        return {**item, "m": noise if len(term) % 2 else term}

    return {
        **answer,
        "w": [junk(w, "l") for w in answer.get("w", [])],
        "p": [junk(p, "t") for p in answer.get("p", [])],
    }


def invent(answer: dict[str, Any]) -> dict[str, Any]:
    """A model that makes things up: a word nobody said, phrases at segments that don't exist."""
    words = [*answer.get("w", []), {"l": "zyzzyva", "p": "n", "m": "invented"}]
    phrases = [{**p, "s": 9999} for p in answer.get("p", [])]
    return {**answer, "w": words, "p": phrases}


TASKS: dict[str, Callable[[str, float], dict[str, Any]]] = {
    "vocab_chunk": vocab_chunk,
    "seed_words": seed_words,
    "seed_phrases": seed_phrases,
    "seed_enrich": seed_enrich,
    "sentence_translation": sentence_translation,
}


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest value valid for a JSON schema (for shapes the simulator does not know)."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties", {})
        return {k: minimal(props[k]) for k in schema.get("required", props)}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return "x"


def answer_for(
    messages: list[dict[str, Any]], response_format: Any, meaning_scale: float = 1.0
) -> tuple[str, Any]:
    """(task name, JSON value, or a plain string for free text) for a chat request;
    meanings are `meaning_scale` times their calibrated length."""
    last = str(messages[-1].get("content", "")) if messages else ""
    system = str(messages[0].get("content", "")) if messages else ""
    schema: dict[str, Any] = {}
    name = ""
    if isinstance(response_format, dict):
        spec = response_format.get("json_schema") or {}
        name = str(spec.get("name", "")) if isinstance(spec, dict) else ""
        schema = (spec.get("schema") if isinstance(spec, dict) else None) or response_format.get(
            "schema", {}
        )
    if not name:
        marker = re.search(r"TASK: (\w+)", system)
        name = marker.group(1) if marker else ""
    if not name and "Candidates:" in last:
        name = "vocab_chunk"
    if not name and last.startswith("Language: ") and "\nSentence: " in last:
        name = "sentence_translation"  # a server that was sent no schema name
    # A repair request carries the original prompt earlier in the conversation.
    source = next(
        (str(m.get("content", "")) for m in messages if "Candidates:" in str(m.get("content", ""))),
        last,
    )
    if name in TASKS:
        return name, TASKS[name](source if name == "vocab_chunk" else last, meaning_scale)
    if schema:
        return "generic", minimal(schema)
    if response_format is None:
        return "text", " ".join(str(i) for i in range(1, 51))  # a plain short generation
    return "generic", {}
