"""Approximate search through an HNSW graph (usearch), for stores too big to scan.

The graph proposes the `CANDIDATES` nearest rows of a question, whose cosines are then
computed exactly from the float32 vectors. It is a derived file of the store generation,
`ann.usearch`, described by `ann.json`, and is memory-mapped, so opening it costs no more than
opening the store. usearch is loaded through qa.embed.usearch_index, which knows the order
it must load in.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.embed import usearch_index
from qa.vectors.base import DerivedFiles, Nearest, gather, keep_info, known, read_info

FORMAT = 2
CANDIDATES = 200  # rows the graph proposes per question; their cosines are exact
# Graph settings measured on a million rows (benchmarks/speed.py): connectivity 16 with a
# search breadth of 200 found 0.87 of the exact top 10, and even a breadth of 1,000 only
# 0.965; 32 links per node and a breadth of 600 find 0.98 in under 3 ms.
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 600
INDEX_FILE = "ann.usearch"
INFO_FILE = "ann.json"
_STEP = 65_536  # rows added at a time (the progress bar moves by these)


class HnswIndex:
    """A memory-mapped usearch graph over a store's vectors, re-scored exactly."""

    def __init__(self, vectors: NDArray[np.float32], index: Any) -> None:
        self.vectors = vectors
        self.index = index

    @classmethod
    def build(cls, vectors: NDArray[np.float32], files: DerivedFiles,
              progress: bool = False) -> bool:
        """Keep the graph of `vectors` (row numbers as keys), then its description; False when
        the store cannot be written."""
        n, dim = vectors.shape
        index = usearch_index()(ndim=dim, metric="ip", dtype="f16", connectivity=CONNECTIVITY,
                                expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=n, unit="sent", desc="ANN index", file=sys.stderr, leave=False)
        for lo in range(0, n, _STEP):
            hi = min(n, lo + _STEP)
            index.add(np.arange(lo, hi, dtype=np.uint64), np.ascontiguousarray(vectors[lo:hi]),
                      threads=os.cpu_count() or 1)
            if bar is not None:
                bar.update(hi - lo)
        if bar is not None:
            bar.close()
        if files.keep(INDEX_FILE, lambda path: index.save(str(path))) is None:
            return False
        return keep_info(files, INFO_FILE, {"format": FORMAT, "count": int(n), "dim": int(dim)})

    @classmethod
    def open(cls, vectors: NDArray[np.float32], files: DerivedFiles) -> HnswIndex | None:
        """The graph kept for these vectors when it is whole and matches them, else None."""
        n, dim = vectors.shape
        path = files.derived(INDEX_FILE)
        if path is None or read_info(files, INFO_FILE, format=FORMAT, count=n, dim=dim) is None:
            return None
        try:
            index = usearch_index().restore(str(path), view=True)
        except (ValueError, RuntimeError, OSError):  # damaged or foreign: search exactly
            return None
        if index is None or len(index) != n:
            return None
        index.expansion_search = EXPANSION_SEARCH
        return cls(vectors, index)

    def proposed(self, query: NDArray[np.float32], k: int) -> NDArray[np.int64]:
        """Row numbers of (about) the k nearest rows, nearest first."""
        matches = self.index.search(np.asarray(query, dtype=np.float32), k, threads=1)
        rows = np.asarray(matches.keys, dtype=np.int64)
        return rows[(rows >= 0) & (rows < len(self.vectors))]

    def search(self, query: NDArray[np.float32], k: int) -> Nearest:
        """The proposed rows by their exact cosines; rows not proposed are known by the lowest
        of those (a bound on what they could score)."""
        order = np.sort(self.proposed(query, k))  # ascending rows read the file in order
        scores = np.asarray(gather(self.vectors, order) @ query, dtype=np.float32)
        ranked = np.argsort(-scores, kind="stable")
        floor = float(scores[ranked[-1]]) if ranked.size else 0.0
        return Nearest(order[ranked], scores[ranked], known(
            order, scores, lambda at: np.full(np.shape(at), floor, dtype=np.float32)))

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """The CANDIDATES proposed rows' exact cosines, every other row the lowest of those."""
        return self.search(query, CANDIDATES).lookup(np.arange(len(self.vectors)))


__all__ = ["CANDIDATES", "CONNECTIVITY", "EXPANSION_ADD", "EXPANSION_SEARCH", "INDEX_FILE",
           "INFO_FILE", "HnswIndex"]
