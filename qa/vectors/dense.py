"""DenseIndex: the cosine of a question with a store's sentences, through the index that fits.

Exact search (one float32 product) serves small stores. From `ann_min_sentences` rows up, or
always with `search: ann`, an HNSW graph proposes the nearest rows; from QUANTIZE_FROM rows up
exact search scans an int8 copy and proves its answer in float32. Both files are made with
the store (`ensure_index`) and kept as derived files of its generation; a store that cannot
be written, or whose file is damaged, is searched exactly instead.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.config import SEARCH_MODES
from qa.vectors.base import DerivedFiles, Nearest, VectorIndex
from qa.vectors.exact import ExactIndex
from qa.vectors.hnsw import CANDIDATES, HnswIndex
from qa.vectors.int8 import QUANTIZE_FROM, Int8Index


def wants_ann(count: int, search: str, ann_min_sentences: int) -> bool:
    """Whether a store of `count` sentences is searched through an ANN index."""
    if search not in SEARCH_MODES:
        raise ValueError(f"search must be one of {SEARCH_MODES}, got {search!r}")
    return search == "ann" or (search == "auto" and count >= ann_min_sentences)


class DenseIndex:
    """The VectorIndex a store is searched with: exact, int8 or HNSW, chosen by its size.

    Args:
        vectors: the store's unit vectors (memory-mapped).
        files: where the int8 copy and the HNSW graph are kept (the Store); None searches
            exactly.
        search: "exact", "ann" or "auto" (ANN from `ann_min_sentences` rows up).
    """

    def __init__(self, vectors: NDArray[np.float32], files: DerivedFiles | None = None,
                 search: str = "auto", ann_min_sentences: int = 200_000,
                 quantize_from: int = QUANTIZE_FROM) -> None:
        self.vectors = vectors
        self.files = files
        if files is None:
            self.kind = "exact"
        elif wants_ann(len(vectors), search, ann_min_sentences):
            self.kind = "hnsw"
        else:
            self.kind = "int8" if len(vectors) >= quantize_from else "exact"
        self._index: VectorIndex | None = None

    def ensure_index(self, progress: bool = False) -> None:
        """Make the HNSW graph or the int8 copy if this store is searched through one and it
        is missing; a store that cannot be written is searched exactly."""
        if self.files is None or not len(self.vectors) or self.index is not None:
            return
        made = (HnswIndex.build(self.vectors, self.files, progress) if self.kind == "hnsw"
                else Int8Index.build(self.vectors, self.files))
        if not made:
            self.kind = "exact"

    @property
    def index(self) -> VectorIndex | None:
        """The index searched, opened on first use; None while a wanted file is missing."""
        if self._index is None:
            if self.kind == "exact" or self.files is None:
                self._index = ExactIndex(self.vectors)
            elif self.kind == "hnsw":
                self._index = HnswIndex.open(self.vectors, self.files)
            else:
                self._index = Int8Index.open(self.vectors, self.files)
        return self._index

    def _searcher(self) -> VectorIndex:
        index = self.index
        if index is None:  # missing or damaged: exact search answers the same, more slowly
            self.kind = "exact"
            index = self._index = ExactIndex(self.vectors)
        return index

    def one_blas_thread(self) -> contextlib.AbstractContextManager[Any]:
        """BLAS kept to one thread while a question is answered through the int8 scan
        (see Int8Index.one_blas_thread); nothing for the other indexes."""
        index = self._searcher()
        return index.one_blas_thread() if isinstance(index, Int8Index) else (
            contextlib.nullcontext())

    def search(self, query: NDArray[np.float32], k: int = CANDIDATES) -> Nearest:
        """The k best rows (best first), their exact cosines, and the cosine of any rows as
        well as the search knows it (see Nearest)."""
        return self._searcher().search(query, k)

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """Cosine of every row with the query (a bound for rows an HNSW graph leaves out)."""
        return self._searcher().scores(query)


__all__ = ["DenseIndex", "wants_ann"]
