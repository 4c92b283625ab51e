"""vocabot core: the pipeline and the learning logic, free of any chat platform or SQL.

This package is also core's public surface: `__all__` names the types, functions and
constants the faces (Telegram, Discord, the console chat, the HTTP API, the CLI) may use,
and a face imports them from here only (`from core import Actions, error_message`), never from
a submodule. tests/test_core_surface.py and the import-linter contracts in pyproject.toml
hold every face in bot/ to that. The composition root (bot/app.py, and bot/queue.py for the
job queue), which builds the store, the LLM client, the pipeline and the runner, is the one
place in bot/ that reaches into submodules; a face that needs something core does not name
here asks for it to be named (or for an action that does the job).

These are plain imports: `import core` loads the actions, the pipeline and the word
tools (about half a second). What must start faster does not import core: `vocabot --help`
(bot/cli.py loads a subcommand's modules only when it runs) is measured in
tests/test_cli_start.py.
"""

from core.actions import (
    EXPORT_FORMATS,
    LEARNER_LANGUAGES,
    STUDY_PATH,
    Actions,
    DeckPage,
    ExportFormat,
    PageCard,
    QuizTurn,
    SentenceTranslation,
    WebSession,
    error_message,
    stored_error_message,
)
from core.admin import (
    AdminStatus,
    BroadcastReport,
    UserQuota,
    account,
)
from core.api_keys import (
    hash_api_key,
)
from core.captions import (
    SUFFIXES,
)
from core.config import (
    DB_FILE,
    LogFormat,
    Settings,
    default_db_path,
)
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
    TranslationBudget,
    TranslationUnavailable,
    VocabotError,
)
from core.habit import (
    MORE_NEW,
    PRESETS,
    BadReminder,
    Habit,
    ReminderNote,
    ReminderSetting,
)
from core.health import (
    Check,
    Health,
    Readiness,
)
from core.i18n import (
    DEFAULT_LANGUAGE,
    INTERFACE_LANGUAGES,
    LANGUAGE_SELF_NAMES,
    N_,
    Translator,
    from_accept_language,
    interface_language,
    part_of_speech,
    translator,
)
from core.jobs import (
    Announce,
    JobHandle,
    JobUpdate,
    Listener,
)
from core.learner import (
    DECK_SIZE_CHOICES,
    parse_level,
)
from core.llm import (
    LLMClient,
    tls_context,
)
from core.llm_check import (
    check_llm,
)
from core.log_context import (
    LOG_FIELDS,
    log_fields,
)
from core.metrics import (
    CONTENT_TYPE,
    Metrics,
)
from core.models import (
    DEFAULT_DECK_SIZE,
    Gap,
    Phrase,
    Progress,
    Stage,
    Word,
    shown_counts,
)
from core.pronunciation import (
    card_ipa,
    ipa,
)
from core.reminders import (
    Delivery,
)
from core.selection import (
    LEVELS,
)
from core.srs import (
    Answer,
    Kind,
    Question,
    QuestionExpired,
    Stats,
)
from core.store import (
    Card,
    CardKind,
    DeckInfo,
    JobRecord,
    JobStatus,
    Notify,
    UsageCount,
    User,
    UserUsage,
)
from core.youtube import (
    find_video_id,
    parse_video_id,
)

__all__ = [
    "CONTENT_TYPE",
    "DB_FILE",
    "DECK_SIZE_CHOICES",
    "DEFAULT_DECK_SIZE",
    "DEFAULT_LANGUAGE",
    "EXPORT_FORMATS",
    "INTERFACE_LANGUAGES",
    "LANGUAGE_SELF_NAMES",
    "LEARNER_LANGUAGES",
    "LEVELS",
    "LOG_FIELDS",
    "MORE_NEW",
    "N_",
    "PRESETS",
    "STUDY_PATH",
    "SUFFIXES",
    "Actions",
    "AdminStatus",
    "Announce",
    "Answer",
    "BadReminder",
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
    "Delivery",
    "ExportFormat",
    "Gap",
    "Habit",
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
    "ReminderNote",
    "ReminderSetting",
    "SentenceTranslation",
    "Settings",
    "ShuttingDown",
    "SignInRefused",
    "SlowDown",
    "Stage",
    "Stats",
    "StorageUnavailable",
    "TooManyJobs",
    "TooMuchText",
    "TranscriptFileError",
    "TranscriptFileMissing",
    "TranscriptFileTooBig",
    "TranslationBudget",
    "TranslationUnavailable",
    "Translator",
    "UsageCount",
    "User",
    "UserQuota",
    "UserUsage",
    "VocabotError",
    "WebSession",
    "Word",
    "account",
    "card_ipa",
    "check_llm",
    "default_db_path",
    "error_message",
    "find_video_id",
    "from_accept_language",
    "hash_api_key",
    "interface_language",
    "ipa",
    "log_fields",
    "parse_level",
    "parse_video_id",
    "part_of_speech",
    "shown_counts",
    "stored_error_message",
    "tls_context",
    "translator",
]
