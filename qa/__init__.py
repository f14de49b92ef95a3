"""qa: ask questions of a folder of documents; answers are their own sentences, with sources.

    >>> from qa import Bot
    >>> bot = Bot(corpus="seeds")  # its store goes to the user's cache directory
    >>> bot.ask("what did Stoltenberg say about the KSF").hits[0].text

Importing qa is cheap: the model and torch load only when something must be embedded.
"""

from __future__ import annotations

from qa.bot import Answer, Bot
from qa.chat import Conversation
from qa.config import Settings, load_settings
from qa.errors import (
    ConfigError,
    CorpusError,
    ModelError,
    QAError,
    QuestionError,
    StoreCorruptError,
    StoreError,
    StoreMismatchError,
    StorePermissionError,
    StoreReadOnlyError,
)
from qa.rank import Hit

__version__ = "0.1.0"


def ask(question: str, k: int | None = None, **settings: object) -> Answer:
    """Answer one question with a Bot built from the config file qa finds ($QA_CONFIG, else
    ./config.yaml, if any) and `settings` (corpus="notes", say)."""
    return Bot.from_config(None, **settings).ask(question, k=k)


__all__ = [
    "Answer", "Bot", "ConfigError", "Conversation", "CorpusError", "Hit", "ModelError", "QAError",
    "QuestionError", "Settings", "StoreCorruptError", "StoreError", "StoreMismatchError",
    "StorePermissionError", "StoreReadOnlyError", "ask", "load_settings", "__version__",
]
