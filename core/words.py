"""Words of a transcript: tokens, lemmas, frequency, and what is not a word to learn.

Names, numbers in every form (cardinal, ordinal, plural), interjections and pieces of code
or web addresses are never cards. A lemma never turns a word into a different one: the
lemmatiser's answer is taken when the word is a regular or a listed irregular form of it
("industries" -> industry, "found" -> find), and otherwise a word the graded lists hold
keeps its own form ("span" is not "spin"). Comparatives and superlatives go to their base
("closer" -> close, "biggest" -> big).

The word data is read compactly, once per process: frequencies from core/wordlists/en/
zipf.txt (core/frequency.py, the same figures as wordfreq's list at a tenth of its memory)
and lemmas from simplemma's own front-coded dictionary stream (`low_memory=True`: the same
dictionary and rules, +2 MB instead of a 20 MB dict).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import simplemma

from core import frequency
from core.grading import data_lines, data_words, graded_words, grammar_words, suffix_bases

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

NUMBERS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion dozen".split()
)
ORDINALS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth "
    "thousandth millionth billionth".split()
)
# "second" and "first" are everyday words too; as cards they are too easy at any level.

# What speakers say between words, not words to learn ("yep" and "yup" reached decks as
# vocabulary from a lecture's captions). English: other languages have no list yet.
INTERJECTIONS = frozenset(
    "yep yup yeah yeh yah nope nah naw yes okay ok okey alright uh uhh um umm uhm hmm hmmm "
    "mm mmm mhm mm-hmm uh-huh uh-oh uh-uh huh oh ohh ooh ah ahh aha aw aww wow whoa woah "
    "hey oops whoops ouch yay yikes ugh er erm eh gosh gee golly duh meh phew whew shh psst "
    "hah haha hahaha heh hehe lol yo ahem hmph oof eww ew yuck hooray hurray yippee bye "
    "kinda sorta gonna wanna gotta dunno lemme gimme".split()
)


# Grammar words the lists also give a content sense ("while" the noun, "even" the
# adjective): in a video they are almost always the grammar word, never a card.
GRAMMAR = frozenset(
    "about above across after again ago along also although among around because before "
    "behind below besides between both during each either else enough ever every here into "
    "just less many more most much neither once only onto other over same several since "
    "some such than that then there these though through till toward under unless until "
    "upon very what whatever when whenever where whereas wherever whether which while whom "
    "whose will with within without yet even still already almost quite rather".split()
)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@lru_cache(maxsize=65536)
def _raw_lemma(word: str, lang: str) -> str:
    try:
        return str(simplemma.lemmatize(word, lang=lang, low_memory=True))
    except ValueError:  # a language simplemma does not know
        return word


def lemma_of(word: str, lang: str = "en") -> str:
    """The lemmatiser's dictionary form of a lowercase word ("industries" -> "industry")."""
    return _raw_lemma(word, lang).lower()


@lru_cache(maxsize=65536)
def zipf(word: str, lang: str = "en") -> float:
    try:
        return frequency.zipf_frequency(word, lang)
    except (LookupError, ValueError):
        return 0.0


@cache
def not_words() -> frozenset[str]:
    return data_words("en/not_words.txt")


@cache
def _irregular_forms() -> dict[str, frozenset[str]]:
    """base verb -> its irregular past and past participle forms."""
    out: dict[str, frozenset[str]] = {}
    for line in data_lines("en/irregular_verbs.txt"):
        base, *forms = line.split()
        out[base] = frozenset(f for form in forms for f in form.split("/"))
    return out


@cache
def _irregular_base() -> dict[str, str]:
    """An irregular past or past participle -> its verb, where only one verb has it."""
    bases: dict[str, set[str]] = {}
    for base, forms in _irregular_forms().items():
        for form in forms:
            bases.setdefault(form, set()).add(base)
    return {form: next(iter(b)) for form, b in bases.items() if len(b) == 1 and form not in b}


def _regular_form(word: str, lemma: str) -> bool:
    """`word` is `lemma` with a regular ending (-s, -es, -ies, -ed, -ied, -ing, doubled
    consonant, -er, -est)."""
    stems = {lemma, lemma + lemma[-1:], lemma[:-1]}
    endings = ("s", "es", "d", "ed", "ing", "r", "er", "st", "est", "ies", "ied", "ier", "iest")
    return any(word == stem + ending for stem in stems for ending in endings)


def _comparative_base(word: str) -> str | None:
    """The listed adjective or adverb a comparative or superlative comes from."""
    if word in graded_words():
        return None
    for suffix in ("er", "est"):
        for base in suffix_bases(word, suffix):
            senses = graded_words().get(base, {})
            if "adj" in senses or "adv" in senses:
                return base
    return None


@lru_cache(maxsize=65536)
def headword(lower: str, lang: str = "en") -> str:
    """The form a learner looks up: the lemma, unless that would make it another word.

    "tired" is not "tire" (the inflected form is far more frequent), "span" is not "spin"
    (a listed word, not a form of it), "closer" is "close", "well-organized" stays whole.
    """
    if "-" in lower:
        return lower
    lemma = lemma_of(lower, lang)
    if lang != "en":
        return lemma
    base = _irregular_base().get(lower)
    if base is not None and lower not in graded_words():
        return base  # "gone" is go, whatever the lemmatiser says ("gan"); "saw" is listed
    if lemma == lower:
        return _comparative_base(lower) or _verb_base(lower) or lower
    irregular = lower in _irregular_forms().get(lemma, ())
    if lower in graded_words() and not irregular and not _regular_form(lower, lemma):
        return lower
    if lower.endswith(("ed", "ing")) and zipf(lower, lang) > zipf(lemma, lang) + 0.6:
        return _verb_base(lower) or lower
    return lemma


def _verb_base(lower: str) -> str | None:
    """The listed verb an unlisted -ing or -ed form comes from, when the lemmatiser missed
    it ("sitting" -> sit, "fixing" -> fix, "printing" -> print), and the form is not a word
    of its own (more frequent than its verb by far, like "tired")."""
    if lower in graded_words():
        return None
    for ending in ("ing", "ed"):
        for base in suffix_bases(lower, ending):  # sitting -> sit, tried -> try
            if "v" in graded_words().get(base, {}) and zipf(lower) <= zipf(base) + 0.6:
                return base
    return None


def is_proper_noun(lower: str, lang: str = "en") -> bool:
    """The lemmatiser knows `lower` only as a name (Andy, Cuba, Linux) and the graded lists
    do not hold it as a word."""
    raw = _raw_lemma(lower, lang)
    return raw[:1].isupper() and lower not in graded_words() and raw.lower() == lower


@lru_cache(maxsize=65536)
def is_dictionary_word(lower: str, lang: str = "en") -> bool:
    """The lemmatiser's dictionary or a graded list holds `lower` (in any inflection):
    "logitech", "glymphatic" and "netflix" are not words a learner looks up."""
    if lower in graded_words():
        return True
    try:
        return bool(simplemma.is_known(lower, lang=lang, low_memory=True))
    except ValueError:
        return True


def is_number(lower: str, lemma: str) -> bool:
    """Cardinals, ordinals, their plurals and compounds: "hundreds", "ninth", "forty-two"."""
    parts = lower.split("-")
    if all(part in NUMBERS or part in ORDINALS for part in parts):
        return True
    if lemma in NUMBERS or lemma in ORDINALS:
        return True
    # "twenties", "thirties"
    return lower.endswith("ies") and lower[:-3] + "y" in NUMBERS


def is_code(lower: str) -> bool:
    return lower in not_words()


def is_interjection(lower: str) -> bool:
    return lower in INTERJECTIONS


def is_grammar(lower: str) -> bool:
    return lower in GRAMMAR or lower in grammar_words()


def warm_up(language: str = "en") -> None:
    """Load the lemma, frequency and graded tables now (they take a moment the first time)."""
    lemma_of("warming", language)
    zipf("warming", language)
    graded_words()
