"""What the simulated model says: valid JSON built from the text it was actually sent.

It knows the shapes it is asked for (vocabot's extraction prompt, the seed design's three
prompts used by the benchmark) and answers any other schema with a minimal valid value.
Meanings are pseudo-words in the learner language's own script (Hangul for ko, kana for ja,
...), derived from the term so the same word always gets the same "meaning": they look like
a real answer to every check a real answer must pass, and every deck built from them is
labelled as simulated so nobody mistakes them for a model's.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

import simplemma

# Syllables of each learner language's script, for pseudo-words that pass a script check.
SYLLABLES: dict[str, tuple[str, ...]] = {
    "ko": tuple(
        "가나다라마바사아자차카타파하거너더러머버서어저고노도로모보소오조호구누두루무부수우주후기니디리미비시이지히는을를은의에게한적인것수있로서"
    ),
    "ja": tuple(
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんする"
    ),
    "zh": tuple(
        "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可"
    ),
    "ru": (
        "ка",
        "ло",
        "ми",
        "на",
        "ре",
        "со",
        "ту",
        "ве",
        "да",
        "ни",
        "ра",
        "ст",
        "ть",
        "ой",
        "ый",
    ),
    "latin": (
        "ba",
        "ce",
        "di",
        "lo",
        "ma",
        "ne",
        "ra",
        "si",
        "to",
        "vu",
        "re",
        "la",
        "mo",
        "ta",
        "en",
    ),
}
# How many pseudo-words a meaning has, and how many syllables each (a few words, like a gloss).
_WORDS_PER_MEANING = (1, 2, 2, 3)
_SYLLABLES_PER_WORD = (2, 2, 3, 3, 4)
_NO_SPACES = {"ja", "zh"}
_PARTICLES = "up|out|off|down|away|back|over"
_PHRASAL = re.compile(rf"\b([a-z]{{3,}}) ({_PARTICLES})\b")
_NOT_VERBS = {
    "the", "and", "but", "for", "you", "are", "was", "this", "that", "with", "not", "all",
    "one", "two", "get", "got", "its", "our", "out", "who", "how", "can", "has", "had",
    "then", "than", "them", "they", "there", "here", "what", "when", "just", "also",
    "more", "most", "very", "much", "some", "even", "from", "well", "back", "down",
}  # fmt: skip
_SEGMENT = re.compile(r"^\[(\d+)\] (.*)$", re.M)
_CANDIDATE = re.compile(r"([^\s,\[\]]+) \[(\d+)\]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def warm_up() -> None:
    simplemma.lemmatize("warming", lang="en")


def _pos(word: str) -> str:
    if word.endswith("ly"):
        return "adv"
    if word.endswith(("tion", "ment", "ness", "ity", "ance", "ence", "ism", "ship")):
        return "n"
    if word.endswith(("ize", "ise", "ate", "ify", "en")):
        return "v"
    if word.endswith(("ous", "ful", "ive", "able", "ible", "al", "ic", "less")):
        return "adj"
    return "n"


def simulated_meaning(term: str, lang: str) -> str:
    """A deterministic pseudo-gloss of `term` in the script of learner language `lang`."""
    code = lang.split("-")[0].lower()
    syllables = SYLLABLES.get(code, SYLLABLES["latin"])
    seed = int.from_bytes(hashlib.blake2b(f"{code}:{term}".encode(), digest_size=8).digest())
    rng = random.Random(seed)
    words = [
        "".join(rng.choice(syllables) for _ in range(rng.choice(_SYLLABLES_PER_WORD)))
        for _ in range(rng.choice(_WORDS_PER_MEANING))
    ]
    return ("" if code in _NO_SPACES else " ").join(words)


def _phrases(segments: list[tuple[int, str]], limit: int) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for index, text in segments:
        for verb, particle in _PHRASAL.findall(text.lower()):
            if verb in _NOT_VERBS or verb.endswith("ly"):
                continue
            phrase = f"{simplemma.lemmatize(verb, lang='en')} {particle}"
            found.setdefault(phrase, index)
    return list(found.items())[:limit]


def vocab_chunk(last: str) -> dict[str, Any]:
    lang_match = re.search(r"^Learner: .*?\((\w[\w-]*)\)", last, re.M)
    lang = lang_match.group(1) if lang_match else "ko"
    limit_match = re.search(r"^Phrases: up to (\d+)", last, re.M)
    limit = int(limit_match.group(1)) if limit_match else 2
    candidates_line = re.search(r"^Candidates: (.*)$", last, re.M)
    candidates = _CANDIDATE.findall(candidates_line.group(1)) if candidates_line else []
    segments = [(int(i), text) for i, text in _SEGMENT.findall(last)]
    return {
        "w": [
            {"l": lemma, "p": _pos(lemma), "m": simulated_meaning(lemma, lang)}
            for lemma, _ in candidates
        ],
        "p": [
            {"t": phrase, "m": simulated_meaning(phrase, lang), "s": index}
            for phrase, index in _phrases(segments, limit)
        ],
    }


def seed_words(last: str) -> dict[str, Any]:
    """The seed design asked for every noun/verb/adjective/adverb, inflected forms and all."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(last):
        lower = word.lower()
        if len(lower) >= 4 and lower not in _NOT_VERBS:
            seen.setdefault(lower, None)
    return {"words": [{"word": w, "pos": _pos(w)} for w in seen]}


def seed_phrases(last: str) -> dict[str, Any]:
    segments = [(i, line) for i, line in enumerate(last.splitlines())]
    return {"phrases": [{"phrase": p} for p, _ in _phrases(segments, 12)]}


def seed_enrich(last: str) -> dict[str, Any]:
    match = re.search(r"^Item: (.*)$", last, re.M)
    item = match.group(1).strip() if match else "word"
    return {
        "meanings": [simulated_meaning(item, "ko"), simulated_meaning(f"{item} 2", "ko")],
        "synonyms": [f"{item}-like", f"similar to {item}"],
        "example": f"This is an example sentence that uses the expression '{item}' naturally.",
    }


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


TASKS = {
    "vocab_chunk": vocab_chunk,
    "seed_words": seed_words,
    "seed_phrases": seed_phrases,
    "seed_enrich": seed_enrich,
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


def answer_for(messages: list[dict[str, Any]], response_format: Any) -> tuple[str, Any]:
    """(task name, JSON value, or a plain string for free text) for a chat request."""
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
    # A repair request carries the original prompt earlier in the conversation.
    source = next(
        (str(m.get("content", "")) for m in messages if "Candidates:" in str(m.get("content", ""))),
        last,
    )
    if name in TASKS:
        return name, TASKS[name](source if name == "vocab_chunk" else last)
    if schema:
        return "generic", minimal(schema)
    if response_format is None:
        return "text", " ".join(str(i) for i in range(1, 51))  # a plain short generation
    return "generic", {}
