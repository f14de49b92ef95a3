"""Making the query model: sentence-transformers' transformer exported to ONNX, once per model.

The export is written into a temporary folder beside its place and renamed into it, so a
reader finds a whole export or none, and two processes exporting at once both end up using
one of the two. It is checked against sentence-transformers before it is installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from qa.embed.query import CHECKED, QUERY_FORMAT, QueryModel, checksum, read_info

_ALIGN = 1 << 16  # weights start on mmap granularity, so onnxruntime maps instead of copying
_STALE = 3600  # seconds after which a temporary folder is a killed writer's leftover
# Sentences the export is checked with: its vectors must match sentence-transformers'.
_PROBES = (
    "NATO Secretary General Jens Stoltenberg met Serbian President Aleksandar Vucic in Belgrade.",
    "what did Stoltenberg say about the KSF",
    "Hi",
    ("The lighthouse was built in 1873 by a team of engineers from the coast guard, who "
     "worked through two winters to finish it before the shipping season opened."),
)


def install(st: Any, folder: Path, identity: str) -> bool:
    """Export `st` into `folder` unless a whole export of these weights is there already.

    Returns whether a usable export is there: False when the folder's parent cannot be
    written, or the model is not one the export reproduces exactly.
    """
    if read_info(folder, identity) is not None:
        return True
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        if not os.access(parent, os.W_OK | os.X_OK):
            return False
        _sweep(parent)
        tmp = parent / f".tmp-{folder.name}-{os.getpid()}-{time.time_ns()}"
        tmp.mkdir()
    except OSError:
        return False
    try:
        if export(st, tmp, identity) is not None:
            _place(tmp, folder, identity)
    except OSError:
        pass  # an unwritable or full disk: questions go through sentence-transformers
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return read_info(folder, identity) is not None


def _place(tmp: Path, folder: Path, identity: str) -> None:
    """Rename the finished export `tmp` to `folder`, unless another process was first."""
    try:
        os.rename(tmp, folder)
    except OSError:  # a folder is in the way: another process's export, or a damaged one
        if read_info(folder, identity) is not None:
            return
        aside = folder.parent / f".tmp-{folder.name}-old-{os.getpid()}-{time.time_ns()}"
        os.rename(folder, aside)  # a process still reading the old files keeps them open
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(tmp, folder)


def _sweep(parent: Path) -> None:
    """Remove temporary folders left by writers that were killed."""
    now = time.time()
    for old in parent.glob(".tmp-*"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > _STALE:
                shutil.rmtree(old, ignore_errors=True)


def export(st: Any, folder: Path, identity: str) -> dict[str, Any] | None:
    """Write model.onnx, weights.bin, embeddings.bin, tokenizer.json and info.json for `st`.

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
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(transformer), tuple(sample[n] for n in names), str(raw),
                          input_names=names, output_names=["hidden"], dynamic_axes=axes,
                          opset_version=17, dynamo=False, do_constant_folding=True)
    _externalise(raw, folder / "model.onnx", folder / "weights.bin")
    raw.unlink()
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    info: dict[str, Any] = {
        "format": QUERY_FORMAT,
        "identity": identity,
        "max_length": int(st.max_seq_length),
        "dim": int(dim()),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
    }
    expected = np.asarray(st.encode(list(_PROBES), normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False))
    # A batch, then one text per call: both the quick-start and the optimised session.
    check = QueryModel(folder, info)
    got = np.concatenate([check.encode(list(_PROBES))] + [check.encode([p]) for p in _PROBES])
    if float((np.concatenate([expected, expected]) * got).sum(axis=1).min()) < 0.99999:
        return None
    info["files"] = {p.name: p.stat().st_size for p in folder.iterdir()}
    info["sha1"] = {name: checksum(folder / name) for name in CHECKED}
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


__all__ = ["export", "install"]
