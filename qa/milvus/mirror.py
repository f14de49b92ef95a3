"""A process's mirror of a Milvus store: the files' parts (rows, vectors, title vectors) with
their Milvus ids, as fetched from Milvus or read back from the local generation they were
written to (qa.milvus.backend)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from qa.index import DocInfo, Part, Store
from qa.milvus import collections as coll

IDS = "milvus_id"  # the mirror's per-row array of Milvus primary keys
Known = dict[str, tuple[Part, list[int]]]  # by path: a file's part and its rows' ids


def fetch(client: Any, name: str, docs: dict[str, dict[str, Any]]) -> tuple[Known, bool]:
    """Every file's part and row ids as Milvus holds them (rows of the manifest's version
    only), by path, and whether every file was whole: a file missing rows is left out."""
    found: dict[str, list[dict[str, Any]]] = {p: [] for p in docs}
    for batch in coll.rows_of(client, name):
        for row in batch:
            entry = docs.get(row["path"])
            if entry is not None and row["version"] == entry["version"]:
                found[row["path"]].append(row)
    out: Known = {}
    whole = True
    for path in sorted(docs):
        entry, rows = docs[path], sorted(found[path], key=lambda r: int(r["seq"]))
        if len(rows) != int(entry["count"]):
            whole = False
            continue
        info = DocInfo(path, entry["title"], int(entry["size"]), int(entry["mtime_ns"]),
                       entry["sha1"], 0, len(rows), entry["file_sha1"])
        vectors = np.asarray([r["vector"] for r in rows], dtype=np.float32)
        part = Part(info, [(r["text"], int(r["passage"]), int(r["start"]), int(r["end"]))
                           for r in rows],
                    vectors.reshape(len(rows), -1),
                    np.asarray(entry["title_vector"], dtype=np.float32))
        out[path] = (part, [int(r["id"]) for r in rows])
    return out, whole


def parts_of(store: Store) -> Known:
    """What a mirror holds, as `fetch` gives it."""
    ids = store.extra_arrays[IDS]
    out: Known = {}
    for d, info in enumerate(store.documents):
        lo, hi = info.first, info.first + info.count
        sentences = [(store.text(r), int(store.rows[r, 1]), int(store.rows[r, 2]),
                      int(store.rows[r, 3])) for r in range(lo, hi)]
        out[info.path] = (Part(replace(info, first=0), sentences, np.array(store.vectors[lo:hi]),
                               np.array(store.title_vectors[d])),
                          [int(i) for i in ids[lo:hi]])
    return out


__all__ = ["IDS", "Known", "fetch", "parts_of"]
