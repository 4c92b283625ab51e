"""The output schema sent with response_format is generated from ChunkOut, stays inside
what vLLM's structured outputs compile, and changes only with PROMPT_VERSION."""

import json
from typing import Any, get_args

import pytest
from pydantic import BaseModel, Field, ValidationError

from core.prompts import (
    GRAMMAR_KEYWORDS,
    OUTPUT_SCHEMA,
    POS_ALIASES,
    PROMPT_VERSION,
    ChunkOut,
    PartOfSpeech,
    WordOut,
    grammar_schema,
)


def nodes(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema node, the root first."""
    found = [schema]
    for sub in schema.get("properties", {}).values():
        found += nodes(sub)
    if "items" in schema:
        found += nodes(schema["items"])
    return found


# The schema sent under each PROMPT_VERSION, word for word. extract-v1's was written by
# hand in core/prompts.py until the schema was generated from ChunkOut. A change to ChunkOut
# that changes what is sent needs a new PROMPT_VERSION and its schema here: cached answers
# are keyed by the version, not by the schema.
_WORD = {
    "type": "object",
    "properties": {
        "l": {"type": "string"},
        "p": {"type": "string", "enum": ["n", "v", "adj", "adv", "other"]},
        "m": {"type": "string"},
    },
    "required": ["l", "p", "m"],
    "additionalProperties": False,
}
_PHRASE = {
    "type": "object",
    "properties": {
        "t": {"type": "string"},
        "m": {"type": "string"},
        "s": {"type": "integer"},
    },
    "required": ["t", "m", "s"],
    "additionalProperties": False,
}
_SKIP = {
    "type": "object",
    "properties": {
        "l": {"type": "string"},
        "r": {"type": "string", "enum": ["loan", "name", "err", "part"]},
    },
    "required": ["l", "r"],
    "additionalProperties": False,
}
SENT: dict[str, dict[str, Any]] = {
    # extract-v2: the candidates the model sets aside, with why, in the same one call
    "extract-v2": {
        "type": "object",
        "properties": {
            "w": {"type": "array", "items": _WORD},
            "x": {"type": "array", "items": _SKIP},
            "p": {"type": "array", "items": _PHRASE},
        },
        "required": ["w", "x", "p"],
        "additionalProperties": False,
    },
    "extract-v1": {
        "type": "object",
        "properties": {
            "w": {"type": "array", "items": _WORD},
            "p": {"type": "array", "items": _PHRASE},
        },
        "required": ["w", "p"],
        "additionalProperties": False,
    },
}


def test_the_generated_schema_says_exactly_what_this_prompt_version_sent() -> None:
    assert OUTPUT_SCHEMA == grammar_schema(ChunkOut) == SENT[PROMPT_VERSION]
    # xgrammar writes properties in the order given: the order is part of what is said.
    assert json.dumps(OUTPUT_SCHEMA) == json.dumps(SENT[PROMPT_VERSION])


def test_the_schema_stays_in_the_subset_vllm_compiles_with_xgrammar() -> None:
    """No $ref/$defs, titles or defaults; only type, enum, properties, items, required and
    additionalProperties, so none of the features (pattern, format, multipleOf,
    uniqueItems, propertyNames, ...) that make vLLM refuse xgrammar or fall back."""
    schema = grammar_schema(ChunkOut)
    assert "$ref" not in json.dumps(schema) and "$defs" not in json.dumps(schema)
    for node in nodes(schema):
        assert set(node) <= set(GRAMMAR_KEYWORDS), node
        assert node["type"] in ("object", "array", "string", "integer")
        if node["type"] == "object":
            assert node["required"] == list(node["properties"])
            assert node["additionalProperties"] is False


def test_the_part_of_speech_enum_is_the_tags_chunkout_keeps() -> None:
    word = grammar_schema(ChunkOut)["properties"]["w"]["items"]
    enum = word["properties"]["p"]["enum"]
    assert enum == list(get_args(PartOfSpeech)) == ["n", "v", "adj", "adv", "other"]
    assert set(POS_ALIASES.values()) < set(enum)
    for tag in enum:  # what the grammar lets a model write, ChunkOut keeps as it is
        assert WordOut(l="dig", p=tag, m="파다").p == tag


def test_chunkout_still_takes_what_models_write_without_a_grammar() -> None:
    assert WordOut.model_validate({"l": "dig", "p": " Verb ", "m": "파다"}).p == "v"
    assert WordOut.model_validate({"l": "dig", "p": "interjection", "m": "파다"}).p == "other"
    assert WordOut.model_validate({"l": "dig", "m": "파다"}).p == "other"
    with pytest.raises(ValidationError):
        WordOut.model_validate({"l": "dig", "p": 5, "m": "파다"})


def test_a_model_the_grammar_cannot_say_is_refused_not_sent_half() -> None:
    class Unsayable(BaseModel):
        code: str = Field(pattern="^[a-z]+$")

    with pytest.raises(ValueError, match="pattern"):
        grammar_schema(Unsayable)
