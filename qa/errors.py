"""Every error qa raises on purpose, in one tree.

    QAError                     base; the CLI and the REPL catch only this
      ConfigError               bad or unknown config key, wrong type, missing config file
      CorpusError               corpus path missing, nothing readable in it
      QuestionError             a question that cannot be asked (empty, too long)
      StoreError                the on-disk store cannot be used
        StoreMismatchError      written by another model or format version (rebuilt)
        StoreCorruptError       truncated, damaged or inconsistent files (rebuilt)
          GenerationMissingError  CURRENT names a generation that is gone (read again)
        StoreReadOnlyError      the store must change but its directory is not writable
        StorePermissionError    the user may not read (or write) the store's files: named as
                                such, never called damage and never rebuilt over
      ModelError                the embedding model is missing or failed to load
      NotReadyError             qa serve: the store is still being built, or its build failed
      ConversationsFullError    qa serve: every conversation slot is taken by one still in use

A message says what happened, names the value or path, and says what to do next. The server's
two are here too, though only qa.serve raises them: one tree means one place to look for what
qa can raise, and a library caller catching QAError needs no import of the server.
"""

from __future__ import annotations


class QAError(Exception):
    """Base of every error a user can act on."""


class ConfigError(QAError):
    """A setting is unknown, of the wrong type, out of range, or points nowhere."""


class CorpusError(QAError):
    """The corpus cannot be read or holds no sentences."""


class QuestionError(QAError):
    """The question cannot be answered as asked."""


class StoreError(QAError):
    """The on-disk store cannot be used."""


class StoreMismatchError(StoreError):
    """The store was written by another model or store format."""


class StoreCorruptError(StoreError):
    """The store's files are damaged or out of step with each other."""


class GenerationMissingError(StoreCorruptError):
    """CURRENT names a generation that is not there: a writer replaced it a moment ago (read
    again), or the store was damaged."""


class StoreReadOnlyError(StoreError):
    """The store needs writing but its directory is read-only."""


class StorePermissionError(StoreError):
    """The store's files are there but the user may not read or write them."""


class ModelError(QAError):
    """The embedding model is not installed or failed to load."""


class NotReadyError(QAError):
    """`qa serve` has no store to answer from yet: the first is still being built, or its
    build failed (the message says why). The server answers 503 with it."""


class ConversationsFullError(QAError):
    """`qa serve` keeps no more conversations: every slot is taken by one still in use. The
    server answers 429, with `retry_after` (seconds until the oldest slot may free up)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
