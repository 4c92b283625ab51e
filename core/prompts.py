"""Prompts and the output schema of the one extraction call per chunk.

Output tokens are the currency: short keys, no copied sentences (phrases point at a
segment number, words are tied to the segment we already know), no echo of the input.
The static text comes first and is identical for every call (vLLM prefix caching); the
chunk comes last.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from core.models import Chunk

# Goes into cache keys: change it whenever the prompt or the schema sent changes
# (tests/test_output_schema.py holds the schema sent under each version).
PROMPT_VERSION = "extract-v2"
SCHEMA_NAME = "vocab_chunk"

LANGUAGE_NAMES = {
    "ko": "Korean",
    "ja": "Japanese",
    "zh": "Chinese",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "ru": "Russian",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "th": "Thai",
    "id": "Indonesian",
    "tr": "Turkish",
    "ar": "Arabic",
    "hi": "Hindi",
    "pl": "Polish",
    "nl": "Dutch",
}

SYSTEM_PROMPT = """\
You are a vocabulary tutor. You read a numbered part of a video transcript and explain \
the words and phrases a language learner should learn from it.

Reply with JSON only, exactly in this shape:
{"w":[{"l":"<candidate>","p":"<n|v|adj|adv|other>","m":"<meaning>"}],\
"x":[{"l":"<candidate>","r":"<loan|name|err|part>"}],\
"p":[{"t":"<phrase>","m":"<meaning>","s":<segment number>}]}

Rules:
- "w": one entry per candidate worth learning, in the order given. Each candidate is \
followed by the number of the segment where it is used.
- "l": the candidate exactly as given. "p": its part of speech in that segment.
- "m": the meaning in the learner's language that fits how it is used in that segment. \
At most 6 words. No examples, no explanations.
- "x": each candidate that is no card, with no meaning, and why: "loan" when the \
learner's language uses this English word every day as a loanword in the sense of that \
segment (Korean 메뉴 for menu, 세션 for session; not 데이트 for "the date of the exam"); \
"name" for a name of a person, place, brand or product, or a piece of code; "err" only \
when the captions are auto-generated, for a word that does not fit its sentence (a \
mishearing); "part" for a word that is a piece of a phrase you give in "p" for that \
segment.
- "p" (top level): first every phrase under "Phrases found", then idioms, phrasal verbs \
and fixed collocations used in these segments that a learner at this level may not \
know, up to the number asked. "t": the phrase in its dictionary form; "s": the segment \
number where it is used. A single word is not a phrase.
- Never copy the transcript into the reply.\
"""

POS_ALIASES = {
    "n": "n",
    "noun": "n",
    "v": "v",
    "verb": "v",
    "adj": "adj",
    "adjective": "adj",
    "a": "adj",
    "adv": "adv",
    "adverb": "adv",
    "r": "adv",
}


PartOfSpeech = Literal["n", "v", "adj", "adv", "other"]


class WordOut(BaseModel):
    l: str = Field(min_length=1, max_length=80)  # noqa: E741 - short keys save output tokens
    p: PartOfSpeech = "other"
    m: str = Field(min_length=1, max_length=200)

    @field_validator("p", mode="before")
    @classmethod
    def _pos(cls, value: object) -> object:
        """Any spelling of a part of speech ("noun", "Adj", "r") becomes its tag, anything
        else "other"; a value that is not a string is left for the type check to refuse."""
        if isinstance(value, str):
            return POS_ALIASES.get(value.strip().lower(), "other")
        return value


class PhraseOut(BaseModel):
    t: str = Field(min_length=1, max_length=120)
    m: str = Field(min_length=1, max_length=200)
    s: int


SkipReason = Literal["loan", "name", "err", "part"]


# A candidate the model says is no card, and why (no docstring: it would be sent).
class SkipOut(BaseModel):
    l: str = Field(min_length=1, max_length=80)  # noqa: E741 - short keys save output tokens
    r: SkipReason


class ChunkOut(BaseModel):
    w: list[WordOut] = Field(default_factory=list)
    x: list[SkipOut] = Field(default_factory=list)
    p: list[PhraseOut] = Field(default_factory=list)


# The JSON Schema keywords a schema sent for constrained decoding may hold: a subset that
# vLLM (>= 0.12) compiles with xgrammar without falling back to guidance, and that
# llama.cpp's grammar converter and OpenAI's strict mode accept too.
GRAMMAR_KEYWORDS = ("type", "enum", "properties", "items", "required", "additionalProperties")
# Left out of the schema sent: names, defaults, and the length bounds, which ChunkOut checks
# after decoding (a grammar would cut a long meaning mid-word instead of asking again).
_NOT_SENT = frozenset({"title", "default", "minLength", "maxLength"})


def grammar_schema(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema as sent with response_format: self-contained (no $ref or $defs),
    every property required and no other allowed, keywords in GRAMMAR_KEYWORDS only."""
    schema = model.model_json_schema()
    return _grammar_node(schema, schema.get("$defs", {}))


def _grammar_node(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _grammar_node(defs[node["$ref"].removeprefix("#/$defs/")], defs)
    unknown = set(node) - set(GRAMMAR_KEYWORDS) - _NOT_SENT - {"$defs"}
    if unknown:
        raise ValueError(f"no grammar form for JSON Schema keywords {sorted(unknown)}")
    out: dict[str, Any] = {key: node[key] for key in ("type", "enum") if key in node}
    if "properties" in node:
        properties: dict[str, Any] = node["properties"]
        out["properties"] = {name: _grammar_node(sub, defs) for name, sub in properties.items()}
        out["required"] = list(properties)
        out["additionalProperties"] = False
    if "items" in node:
        out["items"] = _grammar_node(node["items"], defs)
    return out


# The schema sent with every extraction call (its text is part of the cache key through
# PROMPT_VERSION: a change to ChunkOut that changes it needs a new PROMPT_VERSION).
OUTPUT_SCHEMA = grammar_schema(ChunkOut)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split("-")[0].lower(), code)


def phrase_budget(chunk: Chunk) -> int:
    """About one phrase per 150 tokens of speech, 1 to 4 per chunk, beyond those found."""
    return len(chunk.phrases) + max(1, min(4, chunk.tokens // 150))


def build_messages(
    chunk: Chunk,
    *,
    learner_language: str,
    level: str,
    transcript_language: str,
    generated: bool = False,
) -> list[dict[str, str]]:
    candidates = ", ".join(f"{c.lemma} [{c.segment}]" for c in chunk.candidates) or "(none)"
    found = "; ".join(f"{p.text} [{p.segment}]" for p in chunk.phrases) or "(none)"
    segments = "\n".join(f"[{s.index}] {s.text}" for s in chunk.segments)
    captions = "auto-generated (words may be misheard)" if generated else "written"
    user = (
        f"Learner: {language_name(learner_language)} ({learner_language}), level {level}.\n"
        f"Transcript language: {language_name(transcript_language)}. Captions: {captions}.\n"
        f"Phrases: up to {phrase_budget(chunk)}.\n"
        f"Phrases found: {found}\n"
        f"Candidates: {candidates}\n"
        f"Segments:\n{segments}"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def max_tokens_for(chunk: Chunk) -> int:
    """Room for every candidate and phrase with a short meaning, plus slack; never huge."""
    return 100 + 40 * len(chunk.candidates) + 50 * phrase_budget(chunk)
