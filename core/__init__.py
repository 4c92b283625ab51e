"""vocabot core: the pipeline and the learning logic, free of any chat platform or SQL.

This package is also core's public surface: `__all__` names the types, functions and
constants the faces (Telegram, Discord, the console chat, the HTTP API, the CLI) may use,
and a face imports them from here only (`from core import Actions, sentence`), never from
a submodule. tests/test_core_surface.py holds every face in bot/ to that. The composition
root (bot/app.py, and bot/queue.py for the job queue), which builds the store, the LLM
client, the pipeline and the runner, is the one place in bot/ that reaches into
submodules; a face that needs something core does not name here asks for it to be named
(or for an action that does the job).

Importing `core` costs nothing: a name is imported from its home submodule on first use
(PEP 562), so `import core` loads no submodule and `from core import Settings` loads the
settings, not the pipeline (core.actions alone takes about a second). Type checkers and IDEs
see the real imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.actions import (
        EXPORT_FORMATS,
        LEARNER_LANGUAGES,
        STUDY_PATH,
        Actions,
        DeckPage,
        ExportFormat,
        PageCard,
        QuizTurn,
        WebSession,
        sentence,
        stored_sentence,
    )
    from core.admin import AdminStatus, BroadcastReport, UserQuota, account
    from core.api_keys import hash_api_key, new_api_key
    from core.captions import SUFFIXES
    from core.config import LogFormat, Settings
    from core.errors import (
        BadSetting,
        BudgetExhausted,
        BuildsBlocked,
        DatabaseDown,
        DeckNotFound,
        InternalError,
        NoDecks,
        NotAdmin,
        NotAVideoLink,
        QuotaExceeded,
        ShuttingDown,
        SignInRefused,
        SlowDown,
        StorageUnavailable,
        TooManyJobs,
        TooMuchText,
        TranscriptFileError,
        TranscriptFileMissing,
        TranscriptFileTooBig,
        VocabotError,
    )
    from core.health import Check, Health, Readiness
    from core.i18n import (
        DEFAULT_LANGUAGE,
        INTERFACE_LANGUAGES,
        LANGUAGE_SELF_NAMES,
        N_,
        Translator,
        from_accept_language,
        interface_language,
        translator,
    )
    from core.jobs import Announce, JobHandle, JobUpdate, Listener
    from core.llm import LLMClient
    from core.llm_check import check_llm
    from core.log_context import LOG_FIELDS, log_fields
    from core.metrics import CONTENT_TYPE, Metrics
    from core.models import Gap, Phrase, Progress, Stage, Word
    from core.selection import LEVELS
    from core.srs import Answer, Kind, Question, QuestionExpired, Stats
    from core.store import (
        Card,
        CardKind,
        DeckInfo,
        JobRecord,
        JobStatus,
        Notify,
        Store,
        UsageCount,
        User,
        UserUsage,
    )
    from core.youtube import find_video_id, parse_video_id

# Each name's home: the submodule that defines it (or, for a package, exports it).
_HOMES: dict[str, tuple[str, ...]] = {
    "core.actions": (
        "Actions",
        "DeckPage",
        "EXPORT_FORMATS",
        "ExportFormat",
        "LEARNER_LANGUAGES",
        "PageCard",
        "QuizTurn",
        "STUDY_PATH",
        "WebSession",
        "sentence",
        "stored_sentence",
    ),
    "core.admin": (
        "AdminStatus",
        "BroadcastReport",
        "UserQuota",
        "account",
    ),
    "core.api_keys": (
        "hash_api_key",
        "new_api_key",
    ),
    "core.captions": ("SUFFIXES",),
    "core.config": (
        "LogFormat",
        "Settings",
    ),
    "core.errors": (
        "BadSetting",
        "BudgetExhausted",
        "BuildsBlocked",
        "DatabaseDown",
        "DeckNotFound",
        "InternalError",
        "NoDecks",
        "NotAVideoLink",
        "NotAdmin",
        "QuotaExceeded",
        "ShuttingDown",
        "SignInRefused",
        "SlowDown",
        "StorageUnavailable",
        "TooManyJobs",
        "TooMuchText",
        "TranscriptFileError",
        "TranscriptFileMissing",
        "TranscriptFileTooBig",
        "VocabotError",
    ),
    "core.health": (
        "Check",
        "Health",
        "Readiness",
    ),
    "core.i18n": (
        "DEFAULT_LANGUAGE",
        "INTERFACE_LANGUAGES",
        "LANGUAGE_SELF_NAMES",
        "N_",
        "Translator",
        "from_accept_language",
        "interface_language",
        "translator",
    ),
    "core.jobs": (
        "Announce",
        "JobHandle",
        "JobUpdate",
        "Listener",
    ),
    "core.llm": ("LLMClient",),
    "core.llm_check": ("check_llm",),
    "core.log_context": (
        "LOG_FIELDS",
        "log_fields",
    ),
    "core.metrics": (
        "CONTENT_TYPE",
        "Metrics",
    ),
    "core.models": (
        "Gap",
        "Phrase",
        "Progress",
        "Stage",
        "Word",
    ),
    "core.selection": ("LEVELS",),
    "core.srs": (
        "Answer",
        "Kind",
        "Question",
        "QuestionExpired",
        "Stats",
    ),
    "core.store": (
        "Card",
        "CardKind",
        "DeckInfo",
        "JobRecord",
        "JobStatus",
        "Notify",
        "Store",
        "UsageCount",
        "User",
        "UserUsage",
    ),
    "core.youtube": (
        "find_video_id",
        "parse_video_id",
    ),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_LANGUAGE",
    "EXPORT_FORMATS",
    "INTERFACE_LANGUAGES",
    "LANGUAGE_SELF_NAMES",
    "LEARNER_LANGUAGES",
    "LEVELS",
    "LOG_FIELDS",
    "N_",
    "STUDY_PATH",
    "SUFFIXES",
    "Actions",
    "AdminStatus",
    "Announce",
    "Answer",
    "BadSetting",
    "BroadcastReport",
    "BudgetExhausted",
    "BuildsBlocked",
    "Card",
    "CardKind",
    "Check",
    "DatabaseDown",
    "DeckInfo",
    "DeckNotFound",
    "DeckPage",
    "ExportFormat",
    "Gap",
    "Health",
    "InternalError",
    "JobHandle",
    "JobRecord",
    "JobStatus",
    "JobUpdate",
    "Kind",
    "LLMClient",
    "Listener",
    "LogFormat",
    "Metrics",
    "NoDecks",
    "NotAVideoLink",
    "NotAdmin",
    "Notify",
    "PageCard",
    "Phrase",
    "Progress",
    "Question",
    "QuestionExpired",
    "QuizTurn",
    "QuotaExceeded",
    "Readiness",
    "Settings",
    "ShuttingDown",
    "SignInRefused",
    "SlowDown",
    "Stage",
    "Stats",
    "StorageUnavailable",
    "Store",
    "TooManyJobs",
    "TooMuchText",
    "TranscriptFileError",
    "TranscriptFileMissing",
    "TranscriptFileTooBig",
    "Translator",
    "UsageCount",
    "User",
    "UserQuota",
    "UserUsage",
    "VocabotError",
    "WebSession",
    "Word",
    "account",
    "check_llm",
    "find_video_id",
    "from_accept_language",
    "hash_api_key",
    "interface_language",
    "log_fields",
    "new_api_key",
    "parse_video_id",
    "sentence",
    "stored_sentence",
    "translator",
]

if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name from core

    def __getattr__(name: str) -> object:
        """Import a public name from its home submodule on first use, then keep it here."""
        home = _HOME.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
