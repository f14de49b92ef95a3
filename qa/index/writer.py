"""Writing one generation: documents' rows, vectors and the BM25 index into files, then publish.

Every file written is listed in meta.json's `files` with its size, mtime and CRC-32, so a reader
can tell a complete, undamaged generation from anything else.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from qa.index.generation import FORMAT, META, TEXTS, VOCAB, FileRecord, publish, record
from qa.index.lexical import LexicalIndex
from qa.index.store import DocInfo
from qa.ingest import LOADERS_VERSION
from qa.text import terms


@dataclass
class Part:
    """One document's share of a new generation: its rows, vectors and title vector."""

    info: DocInfo
    sentences: list[tuple[str, int, int, int]]  # text, passage, start, end
    vectors: NDArray[np.float32]
    title_vector: NDArray[np.float32]


def write_generation(directory: Path, model: str, parts: list[Part],
                     skipped: dict[str, dict[str, Any]], extras: dict[str, Any]) -> Path:
    """Write `parts` as a new generation and make it current; returns its folder.

    `extras` is what an analyzer made: numpy arrays (one row per sentence) are saved and checked
    like the store's own arrays, everything else is kept in meta.json. The documents and
    skipped files were read by this qa's loaders: LOADERS_VERSION is recorded (Store.loaders).
    Call under the lock.
    """
    for leftover in directory.glob("tmp-*"):  # from a writer that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    tmp = directory / f"tmp-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()
    try:
        _write(tmp, model, parts, skipped, extras)
        return publish(directory, tmp)
    except BaseException:  # a full disk, an interrupt: leave no half-written generation behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write(tmp: Path, model: str, parts: list[Part], skipped: dict[str, dict[str, Any]],
           extras: dict[str, Any]) -> None:
    """Write every file of a generation into the folder `tmp`."""
    documents, rows, blobs = [], [], []
    first = 0
    for d, part in enumerate(parts):
        n = len(part.sentences)
        documents.append(asdict(replace(part.info, first=first, count=n)))
        documents[-1].pop("file_sha1")  # lists of their own, see DocInfo
        documents[-1].pop("locations")
        for text, passage, start, end in part.sentences:
            rows.append((d, passage, start, end))
            blobs.append(text.encode("utf-8", "surrogatepass"))
        first += n
    vectors = np.concatenate([p.vectors for p in parts]).astype(np.float32)
    dim = vectors.shape[1]
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    lex = LexicalIndex.build([terms(t) for p in parts for t, *_ in p.sentences])
    arrays: dict[str, NDArray[Any]] = {
        "vectors": vectors,
        "offsets": offsets,
        "rows": np.asarray(rows, dtype=np.int32).reshape(-1, 4),
        "title_vectors": np.stack([p.title_vector for p in parts]).astype(np.float32),
        "lex_idf": lex.idf, "lex_indptr": lex.indptr, "lex_rows": lex.rows,
        "lex_weights": lex.weights,
    }
    extra_arrays = sorted(k for k, v in extras.items() if isinstance(v, np.ndarray))
    arrays.update({f"x_{k}": extras[k] for k in extra_arrays})
    extras = {k: v for k, v in extras.items() if k not in extra_arrays}
    files: dict[str, FileRecord] = {}

    def put(name: str, writer: Callable[[BinaryIO], object]) -> None:
        path = tmp / name
        with open(path, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        files[name] = record(path)

    for key, arr in arrays.items():
        put(f"{key}.npy", partial(np.save, arr=arr, allow_pickle=False))
    put(TEXTS, lambda f: f.write(b"".join(blobs)))
    put(VOCAB, lambda f: f.write(json.dumps(lex.vocab).encode()))
    meta = {"format": FORMAT, "model": model, "dim": dim, "count": len(rows),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "documents": documents,
            "file_sha1": [p.info.file_sha1 for p in parts],
            "locations": [[list(x) for x in p.info.locations] for p in parts],
            "skipped": skipped, "loaders": LOADERS_VERSION, "extras": extras,
            "extra_arrays": extra_arrays, "files": files}
    with open(tmp / META, "w", encoding="utf-8") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())


__all__ = ["Part", "write_generation"]
