"""Sorted "key<TAB>value" lines in core/wordlists/, searched in place.

A data file of a few hundred thousand words costs its size in bytes this way, instead of
a table of as many Python strings (tens of MB): core/pronunciation.py (ipa.txt) and
core/frequency.py (zipf.txt) read theirs like this.
"""

from __future__ import annotations

from importlib import resources


def read(name: str) -> bytes:
    """A file of core/wordlists/ as bytes (`name` relative to it, "en/ipa.txt")."""
    return (resources.files("core") / "wordlists" / name).read_bytes()


def find(data: bytes, key: bytes) -> bytes | None:
    """Binary search of `data`'s lines, sorted bytewise by their part before the first TAB,
    for `key`: the rest of its line, or None. Comment lines ("# ...") sort first."""
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        start = data.rfind(b"\n", 0, middle) + 1
        end = data.find(b"\n", start)
        end = len(data) if end == -1 else end
        found, _, value = data[start:end].partition(b"\t")
        if found == key:
            return value
        if found < key:
            low = end + 1
        else:
            high = start
    return None
