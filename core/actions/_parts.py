"""What every part of the action layer shares: the store (private to core), the quiz, the
metrics, the spending and the runner. Each part is one concern's doors; `Actions` composes
them (docs/architecture.md, "the action layer")."""

from __future__ import annotations

from dataclasses import dataclass

from core.jobs import Runner
from core.metrics import Metrics
from core.spending import Spending
from core.srs import Quiz
from core.store import Store


@dataclass(frozen=True, slots=True)
class Shared:
    store: Store
    quiz: Quiz
    metrics: Metrics
    spending: Spending
    runner: Runner | None  # None where no deck is built (`vocabot export`, keys)


class Part:
    """One concern's actions. The store is `_store`: no face reaches it (tests/test_door.py)."""

    def __init__(self, shared: Shared) -> None:
        self._store = shared.store
        self._quiz = shared.quiz
        self._metrics = shared.metrics
        self._spending = shared.spending
        self._runner = shared.runner
