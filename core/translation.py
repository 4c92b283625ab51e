""" "Translate the sentence" (문장 번역): one LLM call for one card's sentence, on demand.

The learner asks for it on a card or a quiz answer; the sentence from the video is sent
alone, with the language to write it in, and the reply is one short JSON value. Faces never
call this directly: `actions.translations.translate` keeps each answer with the deck (so asking
again costs nothing) and counts the tokens in the learner's spending.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from core.llm import LLMClient
from core.prompts import LANGUAGE_NAMES, grammar_schema

SCHEMA_NAME = "sentence_translation"
MAX_SENTENCE = 600  # characters sent: a caption line is far shorter

# The static part first (prefix caching); the sentence last.
SYSTEM_PROMPT = """\
You translate one sentence from a video's captions for a language learner.
Write a natural, faithful translation in the language asked for. Keep names as they are. \
Translate only; no notes, no explanations.
Reply with JSON only: {"t":"<the translation>"}\
"""


class TranslationOut(BaseModel):
    t: str = Field(min_length=1, max_length=2000)


@dataclass(frozen=True, slots=True)
class Translated:
    """What one call gave: the text, whether the simulator wrote it, and its tokens."""

    text: str
    simulated: bool
    prompt_tokens: int
    completion_tokens: int


def messages(sentence: str, language: str) -> list[dict[str, str]]:
    name = LANGUAGE_NAMES.get(language, language)
    text = " ".join(sentence.split())[:MAX_SENTENCE]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Language: {name} ({language})\nSentence: {text}"},
    ]


class SentenceTranslator:
    """Translates sentences on the process's one LLM client."""

    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm

    async def translate(self, sentence: str, language: str, *, owner: int) -> Translated:
        """One call (and at most one repair) for learner `owner`. Its tokens are counted by
        the caller (Spending.record_tokens), so the call's owner is not the bare user id
        that the build spending observer counts as well."""
        reply = await self.llm.complete_json(
            messages(sentence, language),
            schema_name=SCHEMA_NAME,
            schema=grammar_schema(TranslationOut),
            model_type=TranslationOut,
            max_tokens=256,
            owner=("sentence", owner),
        )
        return Translated(
            " ".join(reply.value.t.split()),
            self.llm.simulated,
            reply.prompt_tokens,
            reply.completion_tokens,
        )
