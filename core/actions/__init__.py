"""The application layer: one door per user action, the same for every face.

Telegram, Discord, the console chat, the HTTP API and the CLI parse their input, call one
of these actions, and render what comes back. Nothing here knows a platform: results are
core's own values (a `DeckPage`, an `ExportFile`, a `QuizTurn`, ...), never text or markup,
so two faces cannot drift apart in what they decide, only in how they draw it.

Its modules: `_values` (what the faces render, and shared constants), `_rules` (pure
rules), `_actions` (the `Actions` facade) and one module per part of it: `_learners`,
`_builds`, `_decks` (decks and known words), `_habits` (the habit and the quiz), `_study`,
`_translate` and `_admin`, each a `Part` (`_parts`) sharing the store, which no face reaches.
"""

from core.actions._actions import Actions
from core.actions._rules import (
    check_settings,
    clamp_page,
    error_message,
    export_filename,
    first_kind,
    page_count,
    stored_error_message,
)
from core.actions._study import SIGN_IN_PATH, STUDY_PATH, Clock, token_hash
from core.actions._translate import SentenceTranslation
from core.actions._values import (
    EXPORT_FORMATS,
    LEARNER_LANGUAGES,
    LOCAL_PLATFORM,
    MEDIA_TYPES,
    Cancelled,
    DeckPage,
    ExportFile,
    ExportFormat,
    Flashcard,
    KnownResult,
    PageCard,
    QuizTurn,
    RateResult,
    SignInLink,
    StudyCard,
    StudyCards,
    StudyConfig,
    StudyHome,
    WebSession,
)
from core.models import PAGE_SIZE

__all__ = [
    "EXPORT_FORMATS",
    "LEARNER_LANGUAGES",
    "LOCAL_PLATFORM",
    "MEDIA_TYPES",
    "PAGE_SIZE",
    "SIGN_IN_PATH",
    "STUDY_PATH",
    "Actions",
    "Cancelled",
    "Clock",
    "DeckPage",
    "ExportFile",
    "ExportFormat",
    "Flashcard",
    "KnownResult",
    "PageCard",
    "QuizTurn",
    "RateResult",
    "SentenceTranslation",
    "SignInLink",
    "StudyCard",
    "StudyCards",
    "StudyConfig",
    "StudyHome",
    "WebSession",
    "check_settings",
    "clamp_page",
    "error_message",
    "export_filename",
    "first_kind",
    "page_count",
    "stored_error_message",
    "token_hash",
]
