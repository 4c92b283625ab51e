"""The Actions: one door per user action, grouped by concern.

Faces call `actions.<part>.<action>(...)`: `learners` (who, their settings, API keys,
/forget), `builds` (a link or a file in, a job out), `decks` (pages, cards, export),
`known` (words the learner knows), `quiz`, `habits` (goal, streak, reminder), `study` (the
study page), `translations` (a card's sentence) and `admin`. The store is private to the
parts: a face has no way to it but an action (tests/test_door.py).
"""

from __future__ import annotations

from core.actions._admin import Admin
from core.actions._builds import Builds
from core.actions._decks import Decks, Known
from core.actions._habits import Habits, QuizActions
from core.actions._learners import Learners
from core.actions._parts import Shared
from core.actions._study import Study
from core.actions._translate import Translations
from core.actions._values import StudyConfig
from core.jobs import Runner
from core.metrics import Metrics
from core.models import DEFAULT_DECK_SIZE
from core.reminders import Reminders
from core.spending import Spending
from core.srs import Quiz
from core.store import Store
from core.subtitles import DEFAULT_MAX_BYTES
from core.translation import SentenceTranslator


class Actions:
    """Every user action, in core's own types. One instance per process, shared by faces."""

    def __init__(
        self,
        *,
        store: Store,
        runner: Runner | None,
        quiz: Quiz,
        default_learner_language: str = "ko",
        default_level: str = "B1",
        upload_max_bytes: int = DEFAULT_MAX_BYTES,
        max_video_minutes: int = 180,
        study: StudyConfig | None = None,
        metrics: Metrics | None = None,
        spending: Spending | None = None,
        admins: frozenset[str] = frozenset(),
        broadcast_per_second: float = 20.0,
        deck_size: int = DEFAULT_DECK_SIZE,
        sentences: SentenceTranslator | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        shared = Shared(
            store, quiz, self.metrics, spending or Spending(store, metrics=self.metrics), runner
        )
        self.learners = Learners(
            shared,
            default_learner_language=default_learner_language,
            default_level=default_level,
            deck_size=deck_size,
        )
        self.builds = Builds(
            shared, upload_max_bytes=upload_max_bytes, max_video_minutes=max_video_minutes
        )
        self.decks = Decks(shared, self.learners)
        self.known = Known(shared, self.decks)
        self.habits = Habits(shared)
        self.quiz = QuizActions(shared, self.habits)
        self.study = Study(shared, self.learners, self.habits, self.quiz, study)
        self.translations = Translations(shared, self.decks, sentences)
        self.admin = Admin(shared, admins=admins, broadcast_per_second=broadcast_per_second)
        # The daily reminder: faces add their senders; the composition root runs it.
        self.reminders = Reminders(
            store, self.habits.today, self.admin.pacer, clock=quiz.clock, metrics=self.metrics
        )
