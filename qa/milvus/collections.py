"""The three collections a Milvus store is made of, and reading and writing them.

    {name}        one row per sentence: path, version, seq, passage, start, end, text (with
                  Milvus's analyzer), vector (FLOAT_VECTOR, inner product of unit vectors =
                  cosine) and sparse (SPARSE_FLOAT_VECTOR computed by Milvus's BM25 function)
    {name}_docs   the manifest: one row per indexed file (path, version, title, size, mtime,
                  SHA-1 of its text and of its bytes, sentence count, title vector)
    {name}_meta   key -> JSON: "identity" (format, model, dim), "state" (epoch, dirty,
                  the LOADERS_VERSION the files were read with),
                  "skipped", the corpus analysis in chunks, "places" (the pages and sections
                  of the files whose format has them, with the SHA-1 of the text they are
                  of), and a server's writer lease

A file's rows carry the version of the manifest row that lists them; rows of any other version
are leftovers of a sync that was cut short, never read and deleted by the next sync.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.errors import StoreMismatchError

FORMAT = 1  # of the collections' layout; a collection of another format is refused
TEXT_BYTES = 65_535  # Milvus's longest VARCHAR
PATH_BYTES = 4_096
CHUNK_CHARS = 60_000  # a JSON value longer than this is split over several meta rows
PLACES = "places"  # the meta key of the files' pages and sections
ROW_FIELDS = ["id", "path", "version", "seq", "passage", "start", "end", "text"]


def check_dim(identity: dict[str, Any], dim: int, where: str) -> None:
    """Refuse a collection of another vector size."""
    if int(identity.get("dim", dim)) != dim:
        raise StoreMismatchError(
            f"{where} holds {identity.get('dim')}-dimensional vectors, this model makes {dim}"
            " - use another collection name; qa never writes into it")


def names(collection: str) -> tuple[str, str, str]:
    """The rows, manifest and meta collections of a store."""
    return collection, f"{collection}_docs", f"{collection}_meta"


def create(client: Any, collection: str, dim: int) -> None:
    """Make whichever of the three collections is missing."""
    from pymilvus import DataType, Function, FunctionType

    rows, docs, meta = names(collection)
    existing = set(client.list_collections())
    if rows not in existing:
        schema = client.create_schema(auto_id=True)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("path", DataType.VARCHAR, max_length=PATH_BYTES)
        schema.add_field("version", DataType.VARCHAR, max_length=64)
        for field in ("seq", "passage", "start", "end"):
            schema.add_field(field, DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        index = client.prepare_index_params()
        index.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        _create(client, rows, schema, index)
    if docs not in existing:
        schema = client.create_schema(auto_id=False)
        schema.add_field("path", DataType.VARCHAR, max_length=PATH_BYTES, is_primary=True)
        for field in ("version", "sha1", "file_sha1"):
            schema.add_field(field, DataType.VARCHAR, max_length=64)
        schema.add_field("title", DataType.VARCHAR, max_length=TEXT_BYTES)
        for field in ("size", "mtime_ns", "count"):
            schema.add_field(field, DataType.INT64)
        schema.add_field("title_vector", DataType.FLOAT_VECTOR, dim=dim)
        index = client.prepare_index_params()
        index.add_index("title_vector", index_type="AUTOINDEX", metric_type="IP")
        _create(client, docs, schema, index)
    if meta not in existing:
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.VARCHAR, max_length=256, is_primary=True)
        schema.add_field("value", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants one vector field
        index = client.prepare_index_params()
        index.add_index("unused", index_type="AUTOINDEX", metric_type="L2")
        _create(client, meta, schema, index)


def _create(client: Any, name: str, schema: Any, index: Any) -> None:
    """Make a collection; one a rival indexer made a moment ago is as good."""
    try:
        client.create_collection(name, schema=schema, index_params=index)
    except Exception as exc:
        if "already exist" not in str(exc).lower() or not client.has_collection(name):
            raise


def flush(client: Any, collection: str) -> None:
    """Seal what a sync wrote into indexed segments. Milvus Lite otherwise keeps up to 128 MB
    of new rows in its in-memory table, which it searches row by row in Python: at BBC's 41,000
    rows a search took seconds."""
    for name in names(collection):
        client.flush(name)


def exists(client: Any, collection: str) -> bool:
    """Whether the store's three collections are there; if so, they are loaded for reading
    (a server, or Milvus Lite reopened, holds collections released until loaded)."""
    present = set(client.list_collections())
    if not set(names(collection)) <= present:
        return False
    for name in names(collection):
        client.load_collection(name)
    return True


# --- meta ------------------------------------------------------------------------------------

def get(client: Any, collection: str, key: str) -> Any:
    """The JSON value kept under `key`, or None."""
    meta = names(collection)[2]
    head = client.query(meta, filter=f"key == {json.dumps(key)}", output_fields=["value"])
    if not head:
        return None
    return json.loads(head[0]["value"])


def put(client: Any, collection: str, key: str, value: Any) -> None:
    """Keep `value` as JSON under `key`; a long one in chunks, its head written last, so a
    reader finds the old value or the whole new one."""
    meta = names(collection)[2]
    text = json.dumps(value)
    rows = []
    if len(text) > CHUNK_CHARS:
        pieces = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        # A fresh name per write: the old head keeps naming whole old chunks until replaced.
        stem = f"{key}@{np.random.randint(1 << 62)}"
        rows = [{"key": f"{stem}#{i}", "value": p, "unused": [0.0, 0.0]}
                for i, p in enumerate(pieces)]
        client.upsert(meta, rows)
        key_head = {"key": key, "value": json.dumps({"stem": stem, "chunks": len(pieces)}),
                    "unused": [0.0, 0.0]}
        old = client.query(meta, filter=f"key == {json.dumps(key)}", output_fields=["value"])
        client.upsert(meta, [key_head])
        if old:
            stale = json.loads(old[0]["value"])
            if isinstance(stale, dict) and "stem" in stale:
                client.delete(meta, filter=f'key like "{stale["stem"]}#%"')
        return
    client.upsert(meta, [{"key": key, "value": text, "unused": [0.0, 0.0]}])


def get_chunked(client: Any, collection: str, key: str) -> Any:
    """`get` for a value `put` may have split (its head names the chunks)."""
    value = get(client, collection, key)
    if isinstance(value, dict) and set(value) == {"stem", "chunks"}:
        meta = names(collection)[2]
        keys = [f"{value['stem']}#{i}" for i in range(int(value["chunks"]))]
        found = {r["key"]: r["value"] for r in client.query(
            meta, filter=f"key in {json.dumps(keys)}", output_fields=["key", "value"])}
        if set(found) != set(keys):
            return None
        return json.loads("".join(found[k] for k in keys))
    return value


# --- manifest and rows -----------------------------------------------------------------------

def manifest(client: Any, collection: str, vectors: bool = True) -> dict[str, dict[str, Any]]:
    """Every indexed file's manifest row, by path (title vector included with `vectors`)."""
    docs = names(collection)[1]
    out: dict[str, dict[str, Any]] = {}
    for batch in _iterate(client, docs, ["path", "version", "sha1", "file_sha1", "title",
                                         "size", "mtime_ns", "count"]
                          + (["title_vector"] if vectors else [])):
        for row in batch:
            out[row["path"]] = dict(row)
    return out


def rows_of(client: Any, collection: str, with_vectors: bool = True
            ) -> Iterator[list[dict[str, Any]]]:
    """Every sentence row, in batches, in no particular order."""
    fields = ROW_FIELDS + (["vector"] if with_vectors else [])
    yield from _iterate(client, names(collection)[0], fields)


def _iterate(client: Any, collection: str, fields: list[str]) -> Iterator[list[dict[str, Any]]]:
    it = client.query_iterator(collection, batch_size=8192, filter="", output_fields=fields)
    try:
        while True:
            batch = it.next()
            if not batch:
                return
            yield batch
    finally:
        it.close()


Row = tuple[str, str, int, str, int, int, int]  # path, version, seq, text, passage, start, end


def insert_rows(client: Any, collection: str, rows: list[Row], vectors: NDArray[np.float32],
                columns: Any = None, batch: int = 4096) -> list[int]:
    """Insert sentence rows (of any number of files) in batches, by columns when `columns`
    (an ORM Collection, qa.milvus.client.column_writer) is given; the ids Milvus gave them."""
    import warnings

    ids: list[int] = []
    for lo in range(0, len(rows), batch):
        part = rows[lo:lo + batch]
        block = vectors[lo:lo + batch]
        if columns is not None:
            paths, versions, seqs, texts, passages, starts, ends = (
                list(c) for c in zip(*part, strict=True))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = columns.insert([paths, versions, seqs, passages, starts, ends, texts,
                                         np.ascontiguousarray(block)])
            ids.extend(int(x) for x in result.primary_keys)
            continue
        data = [{"path": p, "version": v, "seq": q, "passage": g, "start": s, "end": e,
                 "text": t, "vector": vec}
                for (p, v, q, t, g, s, e), vec in zip(part, block.tolist(), strict=True)]
        ids.extend(int(x) for x in client.insert(names(collection)[0], data)["ids"])
    return ids


def sweep(client: Any, collection: str, keep: set[int]) -> None:
    """Delete every sentence row not in `keep` (rows a sync cut short left behind)."""
    stale = [int(r["id"]) for batch in rows_of(client, collection, with_vectors=False)
             for r in batch if int(r["id"]) not in keep]
    for lo in range(0, len(stale), 4096):
        client.delete(names(collection)[0], ids=stale[lo:lo + 4096])


def quoted(values: list[str]) -> str:
    """A list of strings as a Milvus filter writes it."""
    return json.dumps(values, ensure_ascii=False)


def places_of(client: Any, collection: str) -> dict[str, tuple[str, Any]]:
    """The pages and sections kept under PLACES, by path: the SHA-1 of the text they are of,
    and the places as JSON holds them (qa.index.read_places reads them back)."""
    kept = get_chunked(client, collection, PLACES)
    if not isinstance(kept, dict):
        return {}
    return {str(p): (str(v[0]), v[1]) for p, v in kept.items()
            if isinstance(v, list) and len(v) == 2}


__all__ = ["FORMAT", "PLACES", "ROW_FIELDS", "TEXT_BYTES", "check_dim", "create", "exists", "flush", "get",
           "get_chunked", "insert_rows", "manifest", "names", "places_of", "put", "quoted",
           "rows_of", "sweep"]
