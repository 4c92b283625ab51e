"""vLLM's automatic prefix caching, as far as timing needs it: which leading tokens of a
prompt an earlier prompt already prefilled."""

from __future__ import annotations

import hashlib


class PrefixCache:
    """vLLM-style automatic prefix caching on chained hashes of full token blocks."""

    def __init__(self, block_size: int = 16, capacity: int = 200_000) -> None:
        self.block_size = block_size
        self.capacity = capacity
        self._blocks: dict[bytes, None] = {}

    def lookup_and_insert(self, tokens: list[str]) -> int:
        cached = 0
        still_hit = True
        digest = b""
        for i in range(0, len(tokens) - self.block_size + 1, self.block_size):
            block = "\x1f".join(tokens[i : i + self.block_size]).encode()
            digest = hashlib.blake2b(digest + block, digest_size=16).digest()
            if still_hit and digest in self._blocks:
                cached += self.block_size
            else:
                still_hit = False
                self._blocks[digest] = None
        while len(self._blocks) > self.capacity:
            self._blocks.pop(next(iter(self._blocks)))
        return cached
