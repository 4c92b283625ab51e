"""Korean particles after an inserted value read right, whatever the value is.

core.korean picks 은/는, 이/가, 을/를, 과/와, (으)로 from how a value ends when read aloud;
the Korean catalog writes the pair after a placeholder and the translator keeps one. The
catalog check at the end fails on any particle glued to a placeholder without the pair
("{cards}를" printed "카드 159장를").
"""

import re

import pytest

from core.i18n import translator
from core.korean import Ending, ending, particle, resolve
from devtools.catalogs import read

# (value, 을/를, (으)로): digit strings, Hangul with and without a final consonant (and ㄹ),
# English words ending in a vowel sound and in a consonant sound, known and unknown.
CASES = [
    ("카드 159장", "을", "으로"),
    ("사과", "를", "로"),
    ("책", "을", "으로"),
    ("물", "을", "로"),
    ("좋음", "을", "으로"),
    ("다시", "를", "로"),
    ("1", "을", "로"),  # 일
    ("2", "를", "로"),  # 이
    ("3", "을", "으로"),  # 삼
    ("6", "을", "으로"),  # 육
    ("7", "을", "로"),  # 칠
    ("8", "을", "로"),  # 팔
    ("9", "를", "로"),  # 구
    ("0", "을", "으로"),  # 영
    ("10", "을", "으로"),  # 십
    ("100", "을", "으로"),  # 백
    ("1000", "을", "으로"),  # 천
    ("20,000", "을", "으로"),  # 이만
    ("1000000000000", "를", "로"),  # 일조
    ("3.5", "를", "로"),  # 삼 점 오
    ("dig", "을", "으로"),  # 딕
    ("cat", "을", "으로"),  # 캣
    ("time", "을", "으로"),  # 타임
    ("apple", "을", "로"),  # 애플
    ("file", "을", "로"),  # 파일
    ("car", "를", "로"),  # 카
    ("coffee", "를", "로"),  # 커피
    ("bus", "를", "로"),  # 버스
    ("cake", "를", "로"),  # 케이크
    ("text", "를", "로"),  # 텍스트
    ("vocabDemo01", "을", "로"),  # …원 일: the digits are read
    ("CSV", "를", "로"),  # 씨에스브이
    ("zorblat", "을", "으로"),  # not in the dictionary: by its spelling
    ("glimba", "를", "로"),
    ("“dig”", "을", "으로"),  # quotes and closing punctuation are skipped
]


@pytest.mark.parametrize(("value", "object_particle", "direction"), CASES)
def test_the_particle_fits_how_the_value_is_read(
    value: str, object_particle: str, direction: str
) -> None:
    assert particle(value, "을(를)") == object_particle
    assert particle(value, "(으)로") == direction
    consonant = object_particle == "을"
    assert particle(value, "은(는)") == ("은" if consonant else "는")
    assert particle(value, "이(가)") == ("이" if consonant else "가")
    assert particle(value, "과(와)") == ("과" if consonant else "와")
    assert particle(value, "(이)에요") == ("이에요" if consonant else "예요")


def test_a_value_that_cannot_be_read_keeps_both_forms() -> None:
    assert ending("🙂") is None
    assert particle("🙂", "을(를)") == "을(를)"
    assert ending("물") is Ending.RIEUL


def test_resolve_only_touches_a_pair_right_after_the_value() -> None:
    assert resolve("dig", "”은(는) 무슨 뜻") == "”은 무슨 뜻"
    assert resolve("dig", " 은(는)") == " 은(는)"
    assert resolve("dig", "에 저장") == "에 저장"


def test_the_korean_translator_fills_the_right_particle() -> None:
    tr = translator("ko")
    text = tr.fill("{a}을(를) {b}(으)로, “{c}”은(는)", {"a": "카드 159장", "b": "좋음", "c": "see"})
    assert text == "카드 159장을 좋음으로, “see”는"


# A particle whose form depends on the sound before it, right after a placeholder (or its
# closing quote), not written as a pair.
GLUED = re.compile(
    r"\{\w+\}[”’\"')]?(?:(?:은|는|이|가|을|를|와|과|로|으로)(?![(가-힣])|이에요|예요)"
)
PAIR = re.compile(r"\{(\w+)\}[”’\"')]?(은\(는\)|이\(가\)|을\(를\)|과\(와\)|\(으\)로|\(이\)에요)")
VALUES = ["카드 159장", "사과", "책", "물", "159", "10", "dig", "see", "apple", "bus"]


def _korean_strings() -> list[tuple[str, str]]:
    pairs = []
    for message in read("ko"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        pairs += [(str(ids[0]), str(s)) for s in strings]
    return pairs


def test_no_catalog_message_glues_a_fixed_particle_to_a_value() -> None:
    glued = [(i, s) for i, s in _korean_strings() if GLUED.search(s)]
    assert glued == []


def test_every_message_with_a_particle_after_a_value_reads_right() -> None:
    tr = translator("ko")
    checked = 0
    for msgid, string in _korean_strings():
        names = set(re.findall(r"\{(\w+)\}", string))
        if not PAIR.search(string):
            continue
        for value in VALUES:
            shown = tr.fill(string, dict.fromkeys(names, value))
            for _name, pair in PAIR.findall(string):
                assert pair not in shown, (msgid, value, shown)
                assert f"{value}{particle(value, pair)}" in shown.replace("”", ""), shown
            checked += 1
    assert checked, "the Korean catalog puts particles after values"
