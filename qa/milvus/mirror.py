"""A process's mirror of a Milvus store: the files' parts (rows, vectors, title vectors) with
their Milvus ids, as fetched from Milvus or read back from the local generation they were
written to (qa.milvus.backend)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import StoreError
from qa.index import DocInfo, Part, Store, read_places, write_generation
from qa.index.generation import lock
from qa.milvus import collections as coll

EPOCH = "milvus_epoch"  # the mirror's extras key naming the epoch it was written from
IDS = "milvus_id"  # the mirror's per-row array of Milvus primary keys
Known = dict[str, tuple[Part, list[int]]]  # by path: a file's part and its rows' ids


def fetch(client: Any, name: str, docs: dict[str, dict[str, Any]]) -> tuple[Known, bool]:
    """Every file's part and row ids as Milvus holds them (rows of the manifest's version
    only), by path, and whether every file was whole: a file missing rows is left out."""
    found: dict[str, list[dict[str, Any]]] = {p: [] for p in docs}
    kept = coll.places_of(client, name)
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
        info = doc_info(path, entry, 0, kept)
        vectors = np.asarray([r["vector"] for r in rows], dtype=np.float32)
        part = Part(info, [(r["text"], int(r["passage"]), int(r["start"]), int(r["end"]))
                           for r in rows],
                    vectors.reshape(len(rows), -1),
                    np.asarray(entry["title_vector"], dtype=np.float32))
        out[path] = (part, [int(r["id"]) for r in rows])
    return out, whole


def doc_info(path: str, entry: dict[str, Any], first: int,
             kept: dict[str, tuple[str, Any]]) -> DocInfo:
    """A file's DocInfo from its manifest row, its rows from `first` on, with the pages and
    sections kept for it (`coll.places_of`) when they are of its text: a PDF's hits cite
    their page, a Markdown file's their section, on Milvus too."""
    found = kept.get(path)
    return DocInfo(path, str(entry["title"]), int(entry["size"]), int(entry["mtime_ns"]),
                   str(entry["sha1"]), first, int(entry["count"]), str(entry["file_sha1"]),
                   read_places(found[1]) if found and found[0] == entry["sha1"] else ())


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


def load_mirror(directory: Path, model: str, epoch: Any) -> Store | None:
    """The mirror in `directory`, when it was written from `epoch`."""
    try:
        store = Store.load(directory, model, verify=False)
    except StoreError:
        return None
    if store is None or epoch is None or store.extras.get(EPOCH) != epoch:
        return None
    return store


def write_mirror(directory: Path, model: str, parts: Sequence[tuple[Part, list[int]]],
                 skipped: dict[str, dict[str, Any]], extras: dict[str, Any], epoch: str
                 ) -> Store:
    """Write these parts (in path order) as the mirror of `epoch`, and open it."""
    directory.mkdir(parents=True, exist_ok=True)
    ordered = sorted(parts, key=lambda p: p[0].info.path)
    extras = {**extras, EPOCH: epoch,
              IDS: np.asarray([i for _, ids in ordered for i in ids], dtype=np.int64)}
    with lock(directory):  # two processes sharing a cache write one at a time
        write_generation(directory, model, [p for p, _ in ordered], skipped, extras)
    store = Store.load(directory, model, verify=False)
    assert store is not None
    return store


__all__ = ["EPOCH", "IDS", "Known", "doc_info", "fetch", "load_mirror", "parts_of", "write_mirror"]
