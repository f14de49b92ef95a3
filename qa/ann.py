"""Dense search: exact over the memory-mapped vectors, or through an ANN index for big stores.

Exact search is one matrix-vector product over the store's float32 vectors. From
`ann_min_sentences` rows up (or always, with `search: ann`), an HNSW index (usearch) built
with the store answers instead: it proposes the `CANDIDATES` nearest rows, whose cosines are
then computed exactly from the float32 vectors. The index lives in the store's generation
directory as `ann.usearch` (written to a temporary name, then renamed) with `ann.json`
describing it, and is memory-mapped, so opening it costs no more than opening the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.config import SEARCH_MODES

ANN_FORMAT = 1
CANDIDATES = 200  # rows the index proposes per question; their cosines are exact
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 200
INDEX_FILE = "ann.usearch"
INFO_FILE = "ann.json"


def _usearch_index() -> Any:
    """usearch's Index class, loaded after onnxruntime.

    Loaded the other way round (usearch 2.26, onnxruntime 1.32) the query model's session
    crashes the process, so onnxruntime goes first whenever it is installed.
    """
    with contextlib.suppress(ImportError):
        import onnxruntime  # noqa: F401
    from usearch.index import Index

    return Index


def exact_scores(vectors: NDArray[np.float32], query: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine of every row with the query (rows and query are unit length)."""
    return np.asarray(vectors @ query, dtype=np.float32)


def wants_ann(count: int, search: str, ann_min_sentences: int) -> bool:
    """Whether a store of `count` sentences is searched through an ANN index."""
    if search not in SEARCH_MODES:
        raise ValueError(f"search must be one of {SEARCH_MODES}, got {search!r}")
    return search == "ann" or (search == "auto" and count >= ann_min_sentences)


def build_index(vectors: NDArray[np.float32], folder: Path, progress: bool = False) -> Path:
    """Build the ANN index of `vectors` (row numbers as keys) into `folder`; returns its path.

    Written under a temporary name and renamed, with ann.json last, so a reader sees a whole
    index or none.
    """
    Index = _usearch_index()

    n, dim = vectors.shape
    index = Index(ndim=dim, metric="ip", dtype="f16", connectivity=CONNECTIVITY,
                  expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH)
    step = 65_536
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=n, unit="sent", desc="ANN index", file=sys.stderr, leave=False)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        index.add(np.arange(lo, hi, dtype=np.uint64), np.ascontiguousarray(vectors[lo:hi]),
                  threads=os.cpu_count() or 1)
        if bar is not None:
            bar.update(hi - lo)
    if bar is not None:
        bar.close()
    tag = f"{os.getpid()}-{time.time_ns()}"
    tmp = folder / f".{INDEX_FILE}.{tag}"
    index.save(str(tmp))
    os.replace(tmp, folder / INDEX_FILE)
    info = {"format": ANN_FORMAT, "count": int(n), "dim": int(dim),
            "size": (folder / INDEX_FILE).stat().st_size}
    tmp_info = folder / f".{INFO_FILE}.{tag}"
    tmp_info.write_text(json.dumps(info), encoding="utf-8")
    os.replace(tmp_info, folder / INFO_FILE)
    return folder / INDEX_FILE


def _read_info(folder: Path, count: int, dim: int) -> dict[str, Any] | None:
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        ok = (info.get("format") == ANN_FORMAT and info.get("count") == count
              and info.get("dim") == dim
              and (folder / INDEX_FILE).stat().st_size == info.get("size"))
    except (OSError, ValueError, AttributeError):
        return None
    return info if ok else None


class AnnIndex:
    """A memory-mapped usearch index over a store's vectors."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @classmethod
    def open(cls, folder: Path, count: int, dim: int) -> AnnIndex | None:
        """The index in `folder` when it is whole and matches the store, else None."""
        if _read_info(folder, count, dim) is None:
            return None
        Index = _usearch_index()

        try:
            index = Index.restore(str(folder / INDEX_FILE), view=True)
        except Exception:  # damaged or foreign file: search exactly instead
            return None
        if index is None or len(index) != count:
            return None
        index.expansion_search = EXPANSION_SEARCH
        return cls(index)

    def search(self, query: NDArray[np.float32], k: int) -> NDArray[np.int64]:
        """Row numbers of (about) the k nearest rows, nearest first."""
        matches = self.index.search(np.asarray(query, dtype=np.float32), k, threads=1)
        return np.asarray(matches.keys, dtype=np.int64)


class DenseIndex:
    """Cosine of a question with the store's sentences, exact or through the ANN index.

    Args:
        vectors: the store's unit vectors (memory-mapped).
        folder: the store generation directory, where the ANN index lives.
        search: "exact", "ann" or "auto" (ANN from `ann_min_sentences` rows up).
    """

    def __init__(self, vectors: NDArray[np.float32], folder: Path | None, search: str = "auto",
                 ann_min_sentences: int = 200_000) -> None:
        self.vectors = vectors
        self.folder = folder
        self.use_ann = folder is not None and wants_ann(len(vectors), search, ann_min_sentences)
        self._ann: AnnIndex | None = None

    def ensure_index(self, progress: bool = False) -> None:
        """Build the ANN index if this store is searched through one and it is missing."""
        if not self.use_ann or self.folder is None:
            return
        n, dim = self.vectors.shape
        if n and _read_info(self.folder, n, dim) is None:
            try:
                build_index(self.vectors, self.folder, progress)
            except OSError:  # a read-only store is searched exactly
                self.use_ann = False

    @property
    def ann(self) -> AnnIndex | None:
        if self._ann is None and self.use_ann and self.folder is not None:
            n, dim = self.vectors.shape
            self._ann = AnnIndex.open(self.folder, n, dim)
            if self._ann is None:
                self.use_ann = False
        return self._ann

    def candidates(self, query: NDArray[np.float32], k: int = CANDIDATES
                   ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k best rows (best first) and their exact cosines."""
        ann = self.ann
        if ann is None:
            scores = exact_scores(self.vectors, query)
            k = min(k, scores.shape[0])
            rows = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
            rows = rows[np.argsort(-scores[rows], kind="stable")]
            return rows.astype(np.int64), scores[rows]
        rows = ann.search(query, k)
        rows = rows[(rows >= 0) & (rows < len(self.vectors))]
        order = np.sort(rows)  # ascending rows read the memory map in file order
        scores = np.asarray(self.vectors[order] @ query, dtype=np.float32)
        best = np.argsort(-scores, kind="stable")
        return order[best], scores[best]

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """Cosine of every row with the query.

        With an ANN index, the CANDIDATES rows it proposes get their exact cosine and every
        other row the lowest of those: a bound on what they could score, so their order among
        themselves is left to the other evidence and none outranks a proposed row on cosine.
        """
        if self.ann is None:
            return exact_scores(self.vectors, query)
        rows, values = self.candidates(query)
        floor = float(values[-1]) if values.size else 0.0
        out = np.full(len(self.vectors), floor, dtype=np.float32)
        out[rows] = values
        return out


__all__ = ["AnnIndex", "DenseIndex", "build_index", "exact_scores", "wants_ann", "CANDIDATES"]
