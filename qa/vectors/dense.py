"""Dense search: exact over the memory-mapped vectors, or through an ANN index for big stores.

Exact search is one matrix-vector product over the store's float32 vectors. From
`ann_min_sentences` rows up (or always, with `search: ann`), an HNSW index (usearch) built
with the store answers instead: it proposes the `CANDIDATES` nearest rows, whose cosines are
then computed exactly from the float32 vectors. The index lives in the store's generation
directory as `ann.usearch` (written to a temporary name, then renamed) with `ann.json`
describing it, and is memory-mapped, so opening it costs no more than opening the store.

Exact search of a big store (from `QUANTIZE_FROM` rows) reads an int8 copy of the vectors
(`vectors.i8`, a quarter of the bytes) instead of the float32 ones: every row is scored in
int8, the best `WINDOW` are re-scored in float32, and a bound on the int8 error proves that
no row outside the window could have made the top k; when the proof fails the float32
product is computed whole. The result is the float32 top k, in about a third of the time,
since a product over a million rows is limited by how fast memory is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qa.config import SEARCH_MODES
from qa.disk import replace_file
from qa.index import members

if TYPE_CHECKING:  # the pool is made, and its module loaded, only for a big store
    from concurrent.futures import ThreadPoolExecutor

ANN_FORMAT = 2
CANDIDATES = 200  # rows the index proposes per question; their cosines are exact
# Graph settings measured on a million rows (benchmarks/speed.py): connectivity 16 with a
# search breadth of 200 found 0.87 of the exact top 10, and even a breadth of 1,000 only
# 0.965; 32 links per node and a breadth of 600 find 0.98 in under 3 ms.
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 600
INDEX_FILE = "ann.usearch"
INFO_FILE = "ann.json"
QUANTIZE_FROM = 100_000  # rows; below it the float32 product takes a few milliseconds
WINDOW = 500  # rows re-scored in float32 beyond the k asked for
QUANTIZED_FORMAT = 1
QUANTIZED_FILE = "vectors.i8"
SCALES_FILE = "scales.f32"
QUANTIZED_INFO = "quantized.json"


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


def gather(vectors: NDArray[np.float32], rows: NDArray[np.int64]) -> NDArray[np.float32]:
    """`vectors[rows]`, read from the file when `vectors` maps a whole one.

    Touching a few rows of a big mapping maps whole page-cache folios (up to megabytes each)
    into the process: 1,200 scattered rows of a million grew it by 1.1 GB. Reading them
    (one read per run of consecutive rows) leaves the process as small as what it keeps.
    """
    name = getattr(vectors, "filename", None)
    try:
        whole = (name is not None and vectors.flags.c_contiguous
                 and os.path.getsize(name) == vectors.offset + vectors.nbytes)
    except OSError:
        whole = False
    rows = np.asarray(rows, dtype=np.int64)
    if not whole or rows.size == 0:
        return np.asarray(vectors[rows])
    unique, inverse = np.unique(rows, return_inverse=True)
    width = vectors.shape[1] * vectors.itemsize
    breaks = np.flatnonzero(np.diff(unique) != 1) + 1
    starts = unique[np.concatenate([[0], breaks])]
    ends = unique[np.concatenate([breaks - 1, [unique.size - 1]])] + 1
    fd = os.open(name, os.O_RDONLY)
    try:
        data = b"".join(os.pread(fd, int(e - s) * width, vectors.offset + int(s) * width)
                        for s, e in zip(starts.tolist(), ends.tolist()))
    finally:
        os.close(fd)
    block = np.frombuffer(data, dtype=vectors.dtype).reshape(unique.size, vectors.shape[1])
    return block[inverse.reshape(-1)]


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
    replace_file(folder / INFO_FILE, json.dumps(info).encode())
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


def _quantize(vectors: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float32],
                                                     float]:
    """Rows as int8 times a per-row scale, and the largest norm of a row's rounding error."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12).astype(np.float32) / 127
    codes = np.rint(vectors / scale[:, None]).astype(np.int8)
    error = vectors - codes.astype(np.float32) * scale[:, None]
    return codes, scale, float(np.sqrt(np.einsum("ij,ij->i", error, error)).max(initial=0.0))


def build_quantized(vectors: NDArray[np.float32], folder: Path) -> None:
    """Write the int8 copy of `vectors` into `folder` (temporary names, renamed, info last)."""
    n, dim = vectors.shape
    tag = f"{os.getpid()}-{time.time_ns()}"
    codes_tmp, scales_tmp = folder / f".{QUANTIZED_FILE}.{tag}", folder / f".{SCALES_FILE}.{tag}"
    residual = 0.0
    try:
        with open(codes_tmp, "wb") as codes_out, open(scales_tmp, "wb") as scales_out:
            for lo in range(0, n, 65_536):
                codes, scale, worst = _quantize(np.asarray(vectors[lo:lo + 65_536]))
                codes_out.write(codes.tobytes())
                scales_out.write(scale.tobytes())
                residual = max(residual, worst)
            for f in (codes_out, scales_out):
                f.flush()
                os.fsync(f.fileno())
        os.replace(codes_tmp, folder / QUANTIZED_FILE)
        os.replace(scales_tmp, folder / SCALES_FILE)
    finally:
        for tmp in (codes_tmp, scales_tmp):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    info = {"format": QUANTIZED_FORMAT, "count": int(n), "dim": int(dim), "residual": residual,
            "size": (folder / QUANTIZED_FILE).stat().st_size}
    replace_file(folder / QUANTIZED_INFO, json.dumps(info).encode())


class Quantized:
    """The int8 copy of a store's vectors, memory-mapped, for exact search of big stores."""

    def __init__(self, codes: NDArray[np.int8], scales: NDArray[np.float32],
                 residual: float) -> None:
        self.codes, self.scales, self.residual = codes, scales, residual
        self._threads = max(1, min(8, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def open(cls, folder: Path, count: int, dim: int) -> Quantized | None:
        """The copy in `folder` when it is whole and matches the store, else None."""
        try:
            info = json.loads((folder / QUANTIZED_INFO).read_text(encoding="utf-8"))
            if (info.get("format") != QUANTIZED_FORMAT or info.get("count") != count
                    or info.get("dim") != dim or info.get("size") != count * dim
                    or (folder / QUANTIZED_FILE).stat().st_size != count * dim
                    or (folder / SCALES_FILE).stat().st_size != count * 4):
                return None
            codes = np.memmap(folder / QUANTIZED_FILE, dtype=np.int8, mode="r",
                              shape=(count, dim))
            scales = np.memmap(folder / SCALES_FILE, dtype=np.float32, mode="r", shape=(count,))
            return cls(codes, scales, float(info["residual"]))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def scores(self, query: NDArray[np.float32]) -> tuple[NDArray[np.float32], float]:
        """Every row's cosine with the query, to within the returned bound."""
        import numkong

        codes, scale, query_error = _quantize(query[None, :].astype(np.float32))
        packed = numkong.dots_pack(codes)
        n = self.codes.shape[0]
        out = numkong.empty((n, 1), dtype="int32")
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self._threads)
        # numkong computes one stretch of rows per call and lets go of the GIL meanwhile.
        bounds = np.linspace(0, n, self._threads + 1).astype(int)
        list(self._pool.map(
            lambda lo_hi: numkong.dots_packed(self.codes, packed, out=out, start_row=lo_hi[0],
                                              end_row=lo_hi[1]),
            zip(bounds[:-1].tolist(), bounds[1:].tolist())))
        approx = np.asarray(out, dtype=np.float32).reshape(n)
        approx *= self.scales
        approx *= scale[0]
        # q.x - approx = q'.r_x + r_q.x, with q' the quantized query: |q'| <= 1 + |r_q|, |x| = 1.
        bound = (1.0 + query_error) * self.residual + query_error * 1.001 + 1e-5
        return approx, bound

    def top(self, vectors: NDArray[np.float32], query: NDArray[np.float32], k: int,
            extra: int = WINDOW) -> tuple[NDArray[np.int64], NDArray[np.float32],
                                          NDArray[np.float32]] | None:
        """The exact float32 top k (best first) with their cosines, and every row's int8
        cosine; None when the int8 bound cannot prove the top from the best k + `extra`."""
        approx, bound = self.scores(query)
        n = approx.shape[0]
        window = min(n, k + extra)
        if window >= n:
            return None
        # A cut-off that about `window` rows pass, read off a sample of the scores: one pass
        # over a million scores instead of partitioning them (a quarter of the time).
        step = max(1, n // 20_000)
        sample = approx[::step]
        above = max(1, round(window / step))
        if above >= sample.size:
            return None
        cutoff = float(np.partition(sample, sample.size - above)[sample.size - above])
        rows = np.flatnonzero(approx >= cutoff)
        outside = cutoff  # every row left out scores below it
        if rows.size > 2 * window:  # the sample misjudged: keep the best `window` of these
            cut = rows.size - window - 1
            part = np.argpartition(approx[rows], cut)
            outside = float(approx[rows[part[cut]]])
            rows = np.sort(rows[part[cut + 1:]])
        if rows.size < k:
            return None
        exact = np.asarray(gather(vectors, rows) @ query, dtype=np.float32)
        best = np.argsort(-exact, kind="stable")[:k]
        if k and float(exact[best[-1]]) < outside + bound:
            return None
        return rows[best], exact[best], approx


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


Lookup = Callable[[NDArray[np.int64]], NDArray[np.float32]]


def _known(rows: NDArray[np.int64], values: NDArray[np.float32], otherwise: Lookup) -> Lookup:
    """A lookup giving `values` for `rows` and `otherwise(...)` for any other row."""
    order = np.argsort(rows)
    keys, known = rows[order], values[order]

    def at(asked: NDArray[np.int64]) -> NDArray[np.float32]:
        out = np.array(otherwise(asked), dtype=np.float32)
        hit, pos = members(keys, asked)
        out[hit] = known[pos[hit]]
        return out

    return at


class DenseIndex:
    """Cosine of a question with the store's sentences, exact or through the ANN index.

    Args:
        vectors: the store's unit vectors (memory-mapped).
        folder: the store generation directory, where the ANN index lives.
        search: "exact", "ann" or "auto" (ANN from `ann_min_sentences` rows up).
    """

    def __init__(self, vectors: NDArray[np.float32], folder: Path | None, search: str = "auto",
                 ann_min_sentences: int = 200_000, quantize_from: int = QUANTIZE_FROM) -> None:
        self.vectors = vectors
        self.folder = folder
        self.use_ann = folder is not None and wants_ann(len(vectors), search, ann_min_sentences)
        self.use_quantized = (folder is not None and not self.use_ann
                              and len(vectors) >= quantize_from)
        self._ann: AnnIndex | None = None
        self._quantized: Quantized | None = None
        self._blas: Any = None  # threadpoolctl's controller, made when first needed
        self.extra = WINDOW  # rows the int8 scan re-scores in float32 beyond the k asked for
        self.fallbacks = 0  # questions whose int8 scan could not prove its top k

    def ensure_index(self, progress: bool = False) -> None:
        """Build the ANN index or the int8 copy if this store is searched through one and it
        is missing."""
        if self.folder is None:
            return
        n, dim = self.vectors.shape
        if self.use_ann and n and _read_info(self.folder, n, dim) is None:
            try:
                build_index(self.vectors, self.folder, progress)
            except OSError:  # a read-only store is searched exactly
                self.use_ann = False
        if self.use_quantized and Quantized.open(self.folder, n, dim) is None:
            try:
                build_quantized(self.vectors, self.folder)
            except OSError:  # a read-only store is searched in float32
                self.use_quantized = False

    @property
    def ann(self) -> AnnIndex | None:
        if self._ann is None and self.use_ann and self.folder is not None:
            n, dim = self.vectors.shape
            self._ann = AnnIndex.open(self.folder, n, dim)
            if self._ann is None:
                self.use_ann = False
        return self._ann

    @property
    def quantized(self) -> Quantized | None:
        if self._quantized is None and self.use_quantized and self.folder is not None:
            n, dim = self.vectors.shape
            self._quantized = Quantized.open(self.folder, n, dim)
            if self._quantized is None:
                self.use_quantized = False
        return self._quantized

    def one_blas_thread(self) -> contextlib.AbstractContextManager[Any]:
        """BLAS kept to one thread while a question is answered through the int8 scan.

        OpenBLAS workers busy-wait for a while after every product; two of them spinning
        beside the scan's own threads made a million-row scan 57 ms instead of 32.
        """
        if not self.use_quantized:
            return contextlib.nullcontext()
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController()
        return self._blas.limit(limits=1, user_api="blas")

    def candidates(self, query: NDArray[np.float32], k: int = CANDIDATES
                   ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The k best rows (best first) and their exact cosines."""
        rows, values, _ = self.search(query, k)
        return rows, values

    def search(self, query: NDArray[np.float32], k: int = CANDIDATES
               ) -> tuple[NDArray[np.int64], NDArray[np.float32], Lookup]:
        """The k best rows (best first), their exact cosines, and the cosine of any rows as
        well as the search knows it: exact over float32; the int8 one (within a hundredth or
        two) outside the top after an int8 scan; the lowest proposed cosine for rows the ANN
        index did not propose (a bound on what they could score)."""
        ann = self.ann
        if ann is None:
            quantized = self.quantized
            if quantized is not None:
                with self.one_blas_thread():
                    found = quantized.top(self.vectors, query, k, self.extra)
                if found is not None:
                    rows, values, approx = found
                    return rows, values, _known(rows, values, approx.__getitem__)
                self.fallbacks += 1
            scores = exact_scores(self.vectors, query)
            k = min(k, scores.shape[0])
            rows = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
            rows = rows[np.argsort(-scores[rows], kind="stable")].astype(np.int64)
            return rows, scores[rows], scores.__getitem__
        rows = ann.search(query, k)
        rows = rows[(rows >= 0) & (rows < len(self.vectors))]
        order = np.sort(rows)  # ascending rows read the file in order
        scores = np.asarray(gather(self.vectors, order) @ query, dtype=np.float32)
        best = np.argsort(-scores, kind="stable")
        floor = float(scores[best[-1]]) if best.size else 0.0
        return order[best], scores[best], _known(
            order, scores, lambda at: np.full(np.shape(at), floor, dtype=np.float32))

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """Cosine of every row with the query.

        With an ANN index, the CANDIDATES rows it proposes get their exact cosine and every
        other row the lowest of those: a bound on what they could score, so their order among
        themselves is left to the other evidence and none outranks a proposed row on cosine.
        """
        if self.ann is None:
            return exact_scores(self.vectors, query)
        _, _, known = self.search(query)
        return known(np.arange(len(self.vectors)))


__all__ = ["AnnIndex", "DenseIndex", "Quantized", "build_index", "build_quantized",
           "exact_scores", "gather", "wants_ann", "CANDIDATES", "Lookup"]
