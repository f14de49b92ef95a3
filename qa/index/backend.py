"""The store seam: where a corpus's rows live, and how they are kept in step with it.

A `StoreBackend` syncs a corpus into its rows and hands back a `Store`, the one row-access type
ranking reads (texts, vectors, documents, the lexicon, the analysis). Two implement it: the
local folder (`LocalBackend`, the default) and Milvus (qa.milvus). What a backend searches
itself is offered through the Store it returns: `Store.dense` (a VectorIndex proposing the
nearest rows) and `Store.lexical` (the best BM25 rows), both None for the local folder, whose
own indexes answer. Nothing above the seam knows which backend it talks to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from qa.index.store import Store
from qa.index.sync import Analyzer, DocumentEncoder, sync
from qa.ingest import Corpus, Notify

# The best rows by the backend's own BM25 for a question's terms, at most k, any order.
LexicalSearch = Callable[[tuple[str, ...], int], NDArray[np.int64]]


class StoreBackend(Protocol):
    """Where a store's rows live: a folder, or a Milvus collection."""

    def sync(self, corpus: Corpus, encoder: DocumentEncoder, *, notify: Notify,
             analyzer: Analyzer | None = None, progress: bool = False, rebuild: bool = False,
             verify: bool = False) -> Store:
        """Bring the rows in step with `corpus` (only what changed) and open them."""
        ...

    def describe(self) -> str:
        """Where the rows are, for messages: a folder or a URI and collection."""
        ...


class LocalBackend:
    """The store in one folder (qa.index.sync): the default, and the fastest below a cluster."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def sync(self, corpus: Corpus, encoder: DocumentEncoder, *, notify: Notify,
             analyzer: Analyzer | None = None, progress: bool = False, rebuild: bool = False,
             verify: bool = False) -> Store:
        return sync(self.directory, corpus, encoder, notify=notify, analyzer=analyzer,
                    progress=progress, rebuild=rebuild, verify=verify)

    def describe(self) -> str:
        return str(self.directory)


__all__ = ["LexicalSearch", "LocalBackend", "StoreBackend"]
