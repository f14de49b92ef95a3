"""Exact search of a big store through an int8 copy of its vectors, proven against float32.

Every row is scored in int8 (`vectors.i8`, a quarter of the float32 bytes, with a scale per
row in `scales.f32`), the best `WINDOW` beyond the k asked for are re-scored in float32, and a
bound on the int8 error proves that no row outside the window could have made the top k; when
the proof fails the float32 product is computed whole. The result is the float32 top k, in
about a third of the time, since a product over a million rows is limited by how fast memory
is read. The copy is a derived file of the store generation, described by `quantized.json`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qa.vectors.base import DerivedFiles, Nearest, exact_scores, gather, keep_info, known, read_info
from qa.vectors.exact import ExactIndex

if TYPE_CHECKING:  # the pool is made, and its module loaded, only when a scan runs
    from concurrent.futures import ThreadPoolExecutor

QUANTIZE_FROM = 100_000  # rows; below it the float32 product takes a few milliseconds
WINDOW = 500  # rows re-scored in float32 beyond the k asked for
FORMAT = 1
CODES_FILE = "vectors.i8"
SCALES_FILE = "scales.f32"
INFO_FILE = "quantized.json"
_STEP = 65_536  # rows quantized at a time while writing the copy


def quantize(vectors: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float32],
                                                    float]:
    """Rows as int8 times a per-row scale, and the largest norm of a row's rounding error."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12).astype(np.float32) / 127
    codes = np.rint(vectors / scale[:, None]).astype(np.int8)
    error = vectors - codes.astype(np.float32) * scale[:, None]
    return codes, scale, float(np.sqrt(np.einsum("ij,ij->i", error, error)).max(initial=0.0))


class Int8Index:
    """The int8 copy of a store's vectors, memory-mapped, and the float32 vectors it proves
    its answers with."""

    def __init__(self, vectors: NDArray[np.float32], codes: NDArray[np.int8],
                 scales: NDArray[np.float32], residual: float) -> None:
        self.vectors = vectors
        self.codes, self.scales, self.residual = codes, scales, residual
        self.extra = WINDOW  # rows re-scored in float32 beyond the k asked for
        self.fallbacks = 0  # searches whose int8 scan could not prove its top k
        self._exact = ExactIndex(vectors)
        self._threads = max(1, min(8, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self._blas: Any = None  # threadpoolctl's controller, made when first needed

    @classmethod
    def build(cls, vectors: NDArray[np.float32], files: DerivedFiles) -> bool:
        """Keep the int8 copy of `vectors` (codes, scales, then its description); False when the
        store cannot be written."""
        n, dim = vectors.shape
        scales = np.empty(n, dtype=np.float32)
        residual = 0.0

        def write_codes(path: Path) -> None:
            nonlocal residual
            with open(path, "wb") as out:
                for lo in range(0, n, _STEP):
                    codes, scale, worst = quantize(np.asarray(vectors[lo:lo + _STEP]))
                    out.write(codes.tobytes())
                    scales[lo:lo + scale.shape[0]] = scale
                    residual = max(residual, worst)

        if files.keep(CODES_FILE, write_codes) is None:
            return False
        if files.keep(SCALES_FILE, scales.tofile) is None:
            return False
        return keep_info(files, INFO_FILE, {"format": FORMAT, "count": int(n), "dim": int(dim),
                                            "residual": residual})

    @classmethod
    def open(cls, vectors: NDArray[np.float32], files: DerivedFiles) -> Int8Index | None:
        """The copy kept for these vectors when it is whole, else None."""
        n, dim = vectors.shape
        info = read_info(files, INFO_FILE, format=FORMAT, count=n, dim=dim)
        codes_path, scales_path = files.derived(CODES_FILE), files.derived(SCALES_FILE)
        if info is None or codes_path is None or scales_path is None:
            return None
        try:
            if codes_path.stat().st_size != n * dim or scales_path.stat().st_size != n * 4:
                return None
            codes = np.memmap(codes_path, dtype=np.int8, mode="r", shape=(n, dim))
            scales = np.memmap(scales_path, dtype=np.float32, mode="r", shape=(n,))
            return cls(vectors, codes, scales, float(info["residual"]))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def one_blas_thread(self) -> contextlib.AbstractContextManager[Any]:
        """BLAS kept to one thread while a question is answered through the scan.

        OpenBLAS workers busy-wait for a while after every product; two of them spinning
        beside the scan's own threads made a million-row scan 57 ms instead of 32.
        """
        if self._blas is None:
            from threadpoolctl import ThreadpoolController

            self._blas = ThreadpoolController()
        limit: contextlib.AbstractContextManager[Any] = self._blas.limit(limits=1,
                                                                         user_api="blas")
        return limit

    def approximate(self, query: NDArray[np.float32]) -> tuple[NDArray[np.float32], float]:
        """Every row's cosine with the query, to within the returned bound."""
        import numkong

        codes, scale, query_error = quantize(query[None, :].astype(np.float32))
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

    def proven(self, query: NDArray[np.float32], k: int, extra: int | None = None
               ) -> Nearest | None:
        """The exact float32 top k, other rows known by their int8 cosine; None when the int8
        bound cannot prove the top from the best k + `extra` (default `self.extra`)."""
        approx, bound = self.approximate(query)
        n = approx.shape[0]
        window = min(n, k + (self.extra if extra is None else extra))
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
        exact = np.asarray(gather(self.vectors, rows) @ query, dtype=np.float32)
        top = np.argsort(-exact, kind="stable")[:k]
        if k and float(exact[top[-1]]) < outside + bound:
            return None
        rows, values = rows[top], exact[top]
        return Nearest(rows, values, known(rows, values, approx.__getitem__))

    def search(self, query: NDArray[np.float32], k: int) -> Nearest:
        """The float32 top k: proven from the int8 scan, or else from the float32 product."""
        with self.one_blas_thread():
            found = self.proven(query, k)
        if found is not None:
            return found
        self.fallbacks += 1
        return self._exact.search(query, k)

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float32]:
        """Every row's exact cosine (every row is read either way: the float32 product)."""
        return exact_scores(self.vectors, query)


__all__ = ["CODES_FILE", "INFO_FILE", "QUANTIZE_FROM", "SCALES_FILE", "WINDOW", "Int8Index",
           "quantize"]
