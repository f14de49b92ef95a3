"""The store seam: where a corpus's rows live, and how they are kept in step with it.

A `StoreBackend` syncs a corpus into its rows and hands back a `Store`, the one row-access type
ranking reads (texts, vectors, documents, the lexicon, the analysis). Two implement it: the
local folder (`LocalBackend`, the default) and Milvus (qa.milvus). What a backend searches
itself is offered through the Store it returns: `Store.dense` (a VectorIndex proposing the
nearest rows) and `Store.lexical` (the best BM25 rows), both None for the local folder, whose
own indexes answer. A store too big to hold offers `Store.narrow` instead: given what a
question wants (`Wanted`), the backend proposes rows by its own searches and hands back a small
Store of their whole documents (`Narrowed`), weighed with the whole corpus's statistics, which
ranking then scores as it scores any store. Nothing above the seam knows which backend it talks
to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from qa.index.store import Store
from qa.index.sync import Analyzer, DocumentEncoder, sync
from qa.ingest import Corpus, Notify

# The best rows by the backend's own BM25 for a question's terms, at most k, any order.
LexicalSearch = Callable[[tuple[str, ...], int], NDArray[np.int64]]


@dataclass(frozen=True)
class Wanted:
    """What one question asks a store that is read a question at a time (`Store.narrow`)."""

    vectors: tuple[NDArray[np.float32], ...]  # the question's, then its topic's, if any
    texts: tuple[str, ...]  # searched by the backend's BM25: the question, names it points at
    words: tuple[str, ...]  # every index term its reading may look up in the vocabulary
    dense: int  # how many rows each dense search proposes
    lexical: int  # how many rows each BM25 search proposes
    titles: int  # how many documents the title search proposes
    documents: NDArray[np.int64] | None = None  # only these documents (by number), if given


@dataclass(frozen=True)
class Narrowed:
    """The whole documents a question's searches proposed, as a Store of their own: its
    corpus-wide numbers (BM25 idf and mean length, the analysis) are the whole corpus's, and
    `rows` gives each of its rows' number in the whole store, ascending."""

    store: Store
    rows: NDArray[np.int64]

    def local(self, rows: NDArray[np.int64] | frozenset[int]) -> NDArray[np.int64]:
        """This store's row numbers of those whole-store rows it holds."""
        asked = np.fromiter(rows, dtype=np.int64) if isinstance(rows, frozenset) else rows
        return np.flatnonzero(np.isin(self.rows, asked)).astype(np.int64)


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


__all__ = ["LexicalSearch", "LocalBackend", "Narrowed", "StoreBackend", "Wanted"]
