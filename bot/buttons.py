"""What a button press may carry, the same bounds for every face's decoder.

Button data comes back from the chat client and can be forged. Decoders accept only
ASCII digits, ids SQLite can hold (fewer than 19 digits, so below 2**63), short pages,
quiz answers and ratings 1-4, and question ids as the quiz makes them; anything else is a
stale button, answered politely instead of reaching the store.
"""

from __future__ import annotations

ID = r"[0-9]{1,18}"
PAGE = r"[0-9]{1,6}"
QUESTION = r"[0-9a-f]{1,32}"
OPTION = r"[1-4]"  # core.srs.OPTIONS answers per question
RATING = r"[1-4]"  # FSRS: Again, Hard, Good, Easy
