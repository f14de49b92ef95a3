"""The vector-index seam: what a way of searching a store's vectors offers, and returns.

A `VectorIndex` answers two things about a question's unit vector: its k nearest rows (with
their exact cosines, and what the search learnt of every other row on the way), and the
cosine of every row. Three implementations sit beside this module: exact (one float32
product), int8 (a quantized scan whose float32 re-scoring proves the top k) and HNSW
(usearch); `DenseIndex` picks one for a store. Another, say a Milvus client, is one more
module offering the same two methods.

The files an index keeps beside a store (an HNSW graph, an int8 copy) are derived files of
its generation, written and found through `DerivedFiles` (qa.index.Store offers it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from qa.index import members

Lookup = Callable[[NDArray[np.int64]], NDArray[np.float32]]


class Nearest(NamedTuple):
    """A search's answer: the k best rows, best first, with their exact cosines."""

    rows: NDArray[np.int64]
    scores: NDArray[np.float32]
    # The cosine of any rows as well as the search knows it: exact after a float32 product,
    # the int8 estimate after an int8 scan, a bound for rows an approximate index left out.
    lookup: Lookup


class VectorIndex(Protocol):
    """A way of searching a store's unit vectors with a question's unit vector."""

    def search(self, query: NDArray[np.float32], k: int) -> Nearest:
        """The k best rows (fewer when the store has fewer), best first."""
        ...

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """Every row's cosine; an approximate index gives rows it does not propose a bound
        (the lowest cosine it proposed), so none outranks a proposed row on cosine."""
        ...


class DerivedFiles(Protocol):
    """Where an index keeps its files: a store generation's derived files (qa.index.Store)."""

    def derived(self, name: str) -> Path | None:
        """The file `name` when it was kept whole, else None."""
        ...

    def keep(self, name: str, write: Callable[[Path], None]) -> Path | None:
        """Make the file `name` by `write(path)`; None when it cannot be written."""
        ...


def exact_scores(vectors: NDArray[np.float32], query: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine of every row with the query (rows and query are unit length)."""
    return np.asarray(vectors @ query, dtype=np.float32)


def best(scores: NDArray[np.float32], k: int) -> Nearest:
    """The k best of every row's exact cosine."""
    k = min(k, scores.shape[0])
    rows = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
    rows = rows[np.argsort(-scores[rows], kind="stable")].astype(np.int64)
    return Nearest(rows, scores[rows], scores.__getitem__)


def known(rows: NDArray[np.int64], values: NDArray[np.float32], otherwise: Lookup) -> Lookup:
    """A lookup giving `values` for `rows` and `otherwise(...)` for any other row."""
    order = np.argsort(rows)
    keys: NDArray[Any] = rows[order]  # `members` reads any ascending integer rows
    kept = values[order]

    def at(asked: NDArray[np.int64]) -> NDArray[np.float32]:
        out = np.array(otherwise(asked), dtype=np.float32)
        hit, pos = members(keys, asked)
        out[hit] = kept[pos[hit]]
        return out

    return at


def gather(vectors: NDArray[np.float32], rows: NDArray[np.int64]) -> NDArray[np.float32]:
    """`vectors[rows]`, read from the file when `vectors` maps a whole one.

    Touching a few rows of a big mapping maps whole page-cache folios (up to megabytes each)
    into the process: 1,200 scattered rows of a million grew it by 1.1 GB. Reading them
    (one read per run of consecutive rows) leaves the process as small as what it keeps.
    """
    name = getattr(vectors, "filename", None)
    offset = int(getattr(vectors, "offset", 0))
    try:
        whole = (name is not None and vectors.flags.c_contiguous
                 and os.path.getsize(name) == offset + vectors.nbytes)
    except OSError:
        whole = False
    rows = np.asarray(rows, dtype=np.int64)
    if name is None or not whole or rows.size == 0:
        return np.asarray(vectors[rows])
    unique, inverse = np.unique(rows, return_inverse=True)
    width = vectors.shape[1] * vectors.itemsize
    breaks = np.flatnonzero(np.diff(unique) != 1) + 1
    starts = unique[np.concatenate([[0], breaks])]
    ends = unique[np.concatenate([breaks - 1, [unique.size - 1]])] + 1
    fd = os.open(name, os.O_RDONLY)
    try:
        data = b"".join(os.pread(fd, int(e - s) * width, offset + int(s) * width)
                        for s, e in zip(starts.tolist(), ends.tolist()))
    finally:
        os.close(fd)
    block = np.frombuffer(data, dtype=vectors.dtype).reshape(unique.size, vectors.shape[1])
    return block[inverse.reshape(-1)]


def read_info(files: DerivedFiles, name: str, **expected: Any) -> dict[str, Any] | None:
    """The derived JSON file `name` when it is there and holds every `expected` value."""
    path = files.derived(name)
    if path is None:
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or any(info.get(k) != v for k, v in expected.items()):
        return None
    return info


def keep_info(files: DerivedFiles, name: str, info: dict[str, Any]) -> bool:
    """Keep `info` as the derived JSON file `name`; False when the store cannot be written."""
    data = json.dumps(info).encode()

    def write(path: Path) -> None:
        path.write_bytes(data)

    return files.keep(name, write) is not None


__all__ = ["DerivedFiles", "Lookup", "Nearest", "VectorIndex", "best", "exact_scores",
           "gather", "keep_info", "known", "read_info"]
