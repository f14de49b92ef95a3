"""The query model: the exported transformer under onnxruntime, with its tokenizer.

An export is a folder holding model.onnx (the graph), weights.bin (its weights, page-aligned),
embeddings.bin (the word-vector table), tokenizer.json and, written last, info.json: what the
export was made from and each file's size, with checksums of the two small files a damaged
copy could make a library fail on. `read_info` accepts a folder only when all of it matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.embed.native import onnxruntime

QUERY_FORMAT = 3  # bump when the layout or the export recipe of the query model changes
CHECKED = ("model.onnx", "tokenizer.json")  # small files whose checksum info.json keeps
# Calls answered by the quick-start session before the optimised one replaces it. A question
# embeds at most two texts (itself and, for "what did X say about Y", its topic), so a
# one-shot answer opens one session and a conversation switches on its second question.
# Measured on the seed store, 2 busy cores: opening the optimised session takes 0.2-0.45 s
# (graph rewriting and weight repacking) against 0.08-0.12 s for the quick one, and it then
# embeds a question in about half the time.
QUICK_CALLS = 2


def mean_pool(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    """Mean of token vectors over the attention mask, scaled to unit length (as the model's
    Pooling and Normalize modules do)."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def checksum(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def read_info(folder: Path, identity: str) -> dict[str, Any] | None:
    """The export's info.json when the export is whole and made from these weights, else None."""
    try:
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        if info.get("identity") != identity or info.get("format") != QUERY_FORMAT:
            return None
        for name, size in info["files"].items():
            if (folder / name).stat().st_size != size:
                return None
        for name in CHECKED:
            if checksum(folder / name) != info["sha1"][name]:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return info if isinstance(info, dict) else None


class QueryModel:
    """Texts in, unit vectors out, through an export (see `read_info`).

    The first session is built for a quick start (no graph rewriting, weights memory-mapped
    and not repacked, one thread), which is what a one-shot answer needs; after QUICK_CALLS
    calls a session optimised for speed replaces it, which is what a conversation needs.
    """

    def __init__(self, folder: Path, info: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.info = info
        self.max_length = int(info["max_length"])
        self.dim = int(info["dim"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.tokenizer.no_padding()
        self.calls = 0
        # Bot.ask may run on two threads at once (qa serve): the tokenizer's padding switch and
        # the session swap below change shared state, so they happen under this lock. The
        # session's run (the costly part, which releases the GIL) is outside it.
        self._lock = threading.Lock()
        self.sessions = 0  # sessions opened so far: 1 until the optimised one replaces the first
        # Word vectors are read row by row from embeddings.bin rather than memory-mapped:
        # a question uses a few dozen of its 30,000 rows, and a mapping would page in more.
        self._table = os.open(folder / "embeddings.bin", os.O_RDONLY)
        self._session = self._open(quick=True)
        self._inputs = {i.name for i in self._session.get_inputs()}

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: __init__ failed
            os.close(self._table)

    def _word_vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        row = self.dim * 4
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.frombuffer(b"".join(os.pread(self._table, row, int(i) * row) for i in unique),
                             dtype=np.float32).reshape(len(unique), self.dim)
        return rows[inverse.reshape(ids.shape)]

    def _open(self, quick: bool) -> Any:
        ort = onnxruntime()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # One thread to start: a single question gains nothing from a pool and its memory.
        options.intra_op_num_threads = 1 if quick else max(1, min(4, os.cpu_count() or 1))
        # Threads sleep between questions instead of spinning: on a busy machine spinning
        # workers fight for the cores (measured: p50 19 ms spinning, 8 ms not, 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if quick:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            options.enable_cpu_mem_arena = False
            options.add_session_config_entry("session.disable_prepacking", "1")
        else:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(self.folder / "model.onnx"), options,
                                       providers=["CPUExecutionProvider"])
        self.sessions += 1
        return session

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit vectors of `texts`, one row each."""
        with self._lock:
            self.calls += 1
            if self.calls == QUICK_CALLS + 1:
                self._session = self._open(quick=False)
            session = self._session
            if len(texts) > 1:
                self.tokenizer.enable_padding(pad_id=int(self.info["pad_id"]),
                                              pad_token=str(self.info["pad_token"]))
            try:
                encodings = self.tokenizer.encode_batch(texts)
            finally:
                self.tokenizer.no_padding()
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"inputs_embeds": self._word_vectors(ids), "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = session.run(None, feed)[0]
        return mean_pool(hidden, mask)


__all__ = ["CHECKED", "QUERY_FORMAT", "QUICK_CALLS", "QueryModel", "checksum", "mean_pool",
           "read_info"]
