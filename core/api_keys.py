"""API keys for the HTTP jobs API: shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "vk_"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def new_api_key() -> tuple[str, str]:
    """(the key to hand to its owner, the hash to store)."""
    key = PREFIX + secrets.token_urlsafe(32)
    return key, hash_api_key(key)
