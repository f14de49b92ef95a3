"""MilvusBackend: the store seam (qa.index.backend) over a Milvus collection.

Milvus holds the truth: every sentence row (vector, text, BM25 sparse vector), the manifest of
indexed files, the corpus analysis and the BM25 statistics readers need. Below `mirror_below`
sentences each process keeps a mirror of it: a local generation (qa.index) written from what it
fetched, tagged with the collection's epoch, so ranking reads rows, texts and the lexicon
exactly as it reads a local store. From `mirror_below` up, a process holds no rows: each
question reads the rows it needs from Milvus (qa.milvus.reading). A sync that finds the corpus
and the epoch unchanged touches nothing; one that finds the epoch moved (another indexer wrote)
refreshes the mirror, or starts reading the new epoch.

A read-only backend (`read_only`) never writes into Milvus: it opens the collection as its
indexers left it, whatever the corpus setting says, and refuses to sync.

A sync writes a changed file's new rows under a new version, then its manifest row, then
deletes its other rows; the collection is marked dirty meanwhile, so a sync cut short (killed)
is finished by the next one, which also deletes any rows no manifest row lists. Readers only
read rows of the version the manifest names, so they never see a file half replaced.

The state also records the LOADERS_VERSION (qa.ingest) the files were read with: a collection
written by older loaders (or before it was recorded) has every file read again by its next
sync, as a local store does (qa.index.sync), and only those whose text changed re-embedded.
Likewise a file skipped because its bytes could not be read is tried again on every sync
(qa.index.unreadable), and is back as soon as it can be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.errors import CorpusError, StoreError, StoreMismatchError
from qa.index import (
    Analyzer,
    DocInfo,
    DocumentEncoder,
    Part,
    ReadAgain,
    Store,
    file_stat,
    left_out,
    loaders_of,
    places,
    read_or_skip,
    text_sha1,
    unreadable,
)
from qa.ingest import LOADERS_VERSION, Corpus, Document, Notify
from qa.milvus import collections as coll
from qa.milvus.client import Location, close, column_writer, connect, failure
from qa.milvus.lease import Lease
from qa.milvus.mirror import fetch, load_mirror, parts_of, write_mirror
from qa.milvus.reading import (
    LEXICON,
    as_left,
    lexicon_facts,
    open_as_left,
    open_reader,
)
from qa.milvus.search import attach

# Rows inserted per round trip (several files at once): one insert, one manifest upsert and a
# delete per file was 3 calls a file, which dominated a sync of 2,000 short news files.
GROUP_ROWS = 4096


class MilvusBackend:
    """A store in a Milvus collection: Milvus Lite (a .db folder) or a server by URI.

    Args:
        store: milvus:///path/qa.db or http(s)://host:port.
        collection: the collection's name (three collections are made from it).
        token_env: the environment variable holding a server's token.
        mirror_root: where this process keeps its mirrors (the cache directory).
        mirror_below: collections of fewer sentences are mirrored, others read a question at
            a time (module docstring).
        read_only: open the collection as it is, never write into it.
    """

    def __init__(self, store: str, collection: str, token_env: str, mirror_root: Path,
                 mirror_below: int = Settings.milvus_mirror_below, read_only: bool = False
                 ) -> None:
        self.where = Location.parse(store, collection, token_env)
        self.mirror_below = mirror_below
        self.read_only = read_only
        key = hashlib.sha1(f"{self.where.uri}|{collection}".encode()).hexdigest()[:16]
        self.mirror = Path(mirror_root) / "milvus-mirrors" / key
        self._client: Any = None
        self._lease: Lease | None = None

    def describe(self) -> str:
        return self.where.describe()

    def close(self) -> None:
        """Let go of Milvus (a Milvus Lite file becomes free for other processes)."""
        if self._client is not None:
            close(self._client, self.where)
            self._client = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect(self.where)
        return self._client

    def sync(self, corpus: Corpus, encoder: DocumentEncoder, *, notify: Notify,
             analyzer: Analyzer | None = None, progress: bool = False, rebuild: bool = False,
             verify: bool = False) -> Store:
        try:
            return self._sync(corpus, encoder, notify, analyzer, progress, rebuild, verify)
        except (StoreError, CorpusError):
            raise
        except Exception as exc:
            if exc.__class__.__module__.startswith(("pymilvus", "grpc", "milvus_lite")):
                raise failure(self.where, exc) from None
            raise

    def _sync(self, corpus: Corpus, encoder: DocumentEncoder, notify: Notify,
              analyzer: Analyzer | None, progress: bool, rebuild: bool, verify: bool) -> Store:
        client, name, model = self.client, self.where.collection, encoder.identity
        identity = coll.get(client, name, "identity") if coll.exists(client, name) else None
        if identity is not None:
            check_identity(identity, model, self.describe())
        if self.read_only:
            return open_as_left(client, self.where, identity, model, self.mirror,
                                self.mirror_below, analyzer)
        listing: list[str] = []
        files = corpus.files(listing.append)
        left = left_out(listing)
        if identity is not None and not rebuild:
            state = coll.get(client, name, "state") or {}
            docs = coll.manifest(client, name)
            skipped = coll.get_chunked(client, name, "skipped") or {}
            if (not state.get("dirty") and loaders_of(state) >= LOADERS_VERSION
                    and _unchanged(docs, skipped, files, corpus, verify)):
                kept = as_left(client, self.where, identity, state, docs, skipped, model,
                               self.mirror, self.mirror_below, analyzer)
                if kept is not None:
                    kept.left_out = left
                    return kept
        for message in listing:
            notify(message)
        if identity is None:  # made before the writer lease, which lives in the collections
            self._create(encoder)
        store = self._locked_write(corpus, encoder, files, notify, analyzer, progress, rebuild,
                                   verify)
        store.left_out = left
        return store

    def _locked_write(self, corpus: Corpus, encoder: DocumentEncoder, files: list[Path],
                      notify: Notify, analyzer: Analyzer | None, progress: bool, rebuild: bool,
                      verify: bool) -> Store:
        with self._writing():
            return self._write(corpus, encoder, files, notify, analyzer, progress, rebuild,
                               verify)

    # --- writing ---------------------------------------------------------------------------

    def _write(self, corpus: Corpus, encoder: DocumentEncoder, files: list[Path],
               notify: Notify, analyzer: Analyzer | None, progress: bool, rebuild: bool,
               verify: bool) -> Store:
        client, name, model = self.client, self.where.collection, encoder.identity
        identity = coll.get(client, name, "identity") if coll.exists(client, name) else None
        if identity is None:
            identity = self._create(encoder)
        check_identity(identity, model, self.describe())
        state = coll.get(client, name, "state") or {}
        docs = coll.manifest(client, name)
        epoch = state.get("epoch")
        mirror = None if state.get("dirty") else load_mirror(self.mirror, model, epoch)
        known = parts_of(mirror) if mirror is not None else fetch(client, name, docs)[0]
        stale = not rebuild and loaders_of(state) < LOADERS_VERSION  # read every file again
        coll.put(client, name, "state", {**state, "dirty": True})  # its loaders version kept
        rows_c, docs_c, _ = coll.names(name)
        parts: list[Part | None] = []
        ids: dict[str, list[int]] = {}
        fresh: list[tuple[int, Document, tuple[int, int], str]] = []
        skipped: dict[str, dict[str, Any]] = {}
        listed: set[str] = set()
        again: list[str] = []  # unchanged files read again by newer loaders
        for f in files:
            path, stat = str(f), file_stat(f)
            listed.add(path)
            entry, part = docs.get(path), known.get(path)
            if not rebuild and entry is not None and part is not None and stat == (
                    entry["size"], entry["mtime_ns"]) and (
                    not verify or corpus.digest(f) == entry["file_sha1"]):
                if not stale:
                    parts.append(part[0])
                    ids[path] = part[1]
                    continue
                again.append(path)
            doc, digest = read_or_skip(f, stat, corpus, notify, skipped)
            if doc is None:
                continue
            stat = stat or (0, 0)
            sha1 = text_sha1(doc)
            if (not rebuild and entry is not None and part is not None and entry["sha1"] == sha1
                    and part[0].info.title == doc.title):
                info = replace(part[0].info, size=stat[0], mtime_ns=stat[1], file_sha1=digest,
                               locations=places(doc.locations))
                row = _doc_row(info, entry["version"])
                if row != _doc_row(part[0].info, entry["version"]):  # not so when read again
                    client.upsert(docs_c, [{**row, "title_vector": entry["title_vector"]}])
                parts.append(replace(part[0], info=info))
                ids[path] = part[1]
                continue
            fresh.append((len(parts), doc, stat, digest))
            parts.append(None)
        for path in (set(docs) - listed) | (set(docs) & set(skipped)):  # removed, now skipped
            client.delete(docs_c, filter=f"path == {coll.quoted([path])[1:-1]}")
            client.delete(rows_c, filter=f"path == {coll.quoted([path])[1:-1]}")
        if fresh:
            self._embed(fresh, parts, ids, encoder, progress, identity, set(docs))
        done = [p for p in parts if p is not None]
        if not done:
            where = ", ".join(str(p) for p in corpus.paths)
            raise CorpusError(f"no sentences found in {where} - add files with text")
        if state.get("dirty"):  # a sync was cut short: rows no manifest row lists may be left
            coll.sweep(client, name, {i for p in done for i in ids[p.info.path]})
        extras = analyzer.analyze(done) if analyzer is not None else {}
        epoch = uuid.uuid4().hex
        ordered = sorted(done, key=lambda p: p.info.path)
        coll.put(client, name, "skipped", skipped)
        coll.put(client, name, coll.PLACES, {p.info.path: [p.info.sha1, p.info.locations]
                                             for p in ordered if p.info.locations})
        coll.put(client, name, "analysis", {"epoch": epoch, **_jsonable(extras)})
        coll.put(client, name, LEXICON, lexicon_facts(
            [s[0] for p in ordered for s in p.sentences], epoch))
        coll.put(client, name, "state", {"epoch": epoch, "dirty": False,
                                          "loaders": LOADERS_VERSION})
        coll.flush(client, name)
        if again:
            notify(ReadAgain(again, sorted(set(again) & {d.path for _, d, _, _ in fresh})))
        if sum(p.info.count for p in done) >= self.mirror_below:
            reader = open_reader(client, self.where, identity, epoch, skipped)
            assert reader is not None
            return reader.whole()
        return self._write_mirror(model, [(p, ids[p.info.path]) for p in done], skipped,
                                  extras, epoch)

    def _create(self, encoder: DocumentEncoder) -> dict[str, Any]:
        """Make the collections and record the model and vector size; the identity kept."""
        client, name = self.client, self.where.collection
        dim = int(encoder.encode(["dimension probe"]).shape[1])
        coll.create(client, name, dim)
        identity = {"format": coll.FORMAT, "model": encoder.identity, "dim": dim}
        kept = coll.get(client, name, "identity")
        if kept is None:
            coll.put(client, name, "identity", identity)
            return identity
        check_identity(kept, encoder.identity, self.describe())
        return dict(kept)

    def _embed(self, fresh: list[tuple[int, Document, tuple[int, int], str]],
               parts: list[Part | None], ids: dict[str, list[int]], encoder: DocumentEncoder,
               progress: bool, identity: dict[str, Any], before: set[str]) -> None:
        """Embed the new and changed files; then, a group of files at a time: their rows, then
        their manifest rows, then their rows of older versions out (module docstring)."""
        client, name = self.client, self.where.collection
        rows_c, docs_c, _ = coll.names(name)
        texts = [s.text for _, doc, _, _ in fresh for s in doc.sentences]
        titles = [doc.title for _, doc, _, _ in fresh]
        vectors = encoder.encode(texts + titles, progress)
        coll.check_dim(identity, int(vectors.shape[1]), self.describe())
        columns = column_writer(self.where, rows_c)
        pos, group, rows = 0, [], []
        for number, (slot, doc, (size, mtime), digest) in enumerate(fresh):
            n = len(doc.sentences)
            info = DocInfo(doc.path, doc.title, size, mtime, text_sha1(doc), 0, n, digest,
                           places(doc.locations))
            _check_lengths(doc)
            sentences = [(s.text, s.passage, s.start, s.end) for s in doc.sentences]
            part = Part(info, sentences, vectors[pos:pos + n], vectors[len(texts) + number])
            version = uuid.uuid4().hex[:16]
            rows += [(doc.path, version, i, t, g, a, b)
                     for i, (t, g, a, b) in enumerate(sentences)]
            group.append((slot, part, version, pos))
            pos += n
            if len(rows) >= GROUP_ROWS or number == len(fresh) - 1:
                first = group[0][3]
                got = coll.insert_rows(client, name, rows, vectors[first:pos], columns)
                client.upsert(docs_c, [{**_doc_row(p.info, v), "title_vector":
                                        p.title_vector.tolist()} for _, p, v, _ in group])
                for slot_, p, v, at in group:
                    ids[p.info.path] = got[at - first:at - first + p.info.count]
                    parts[slot_] = p
                    if p.info.path in before:
                        literal = coll.quoted([p.info.path])[1:-1]
                        client.delete(rows_c, filter=f'path == {literal} and version != "{v}"')
                group, rows = [], []
                if self._lease is not None:
                    self._lease.renew()

    # --- the mirror ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A server's writer lease (qa.milvus.lease); Milvus Lite is one process's anyway."""
        if self.where.lite:
            yield
            return
        self._lease = Lease(self.client, self.where.collection, self.describe())
        try:
            with self._lease.held():
                yield
        finally:
            self._lease = None

    def _write_mirror(self, model: str, parts: Sequence[tuple[Part, list[int]]],
                      skipped: dict[str, dict[str, Any]], extras: dict[str, Any],
                      epoch: str) -> Store:
        store = write_mirror(self.mirror, model, parts, skipped, extras, epoch)
        return attach(store, self.client, self.where)


def check_identity(identity: dict[str, Any], model: str, where: str) -> None:
    """Refuse a collection of another model or layout, before writing anything."""
    if identity.get("format") != coll.FORMAT:
        raise StoreMismatchError(f"{where} was written in layout {identity.get('format')}, this "
                                 f"qa writes {coll.FORMAT} - use another collection name")
    if identity.get("model") != model:
        raise StoreMismatchError(
            f"{where} was built with model {identity.get('model')}, not {model} - use another "
            "collection name (milvus_collection) or the model it was built with; qa never "
            "writes into it")


def _check_lengths(doc: Document) -> None:
    """Refuse, before writing, a sentence longer than a Milvus text field keeps."""
    for sentence in doc.sentences:
        if len(sentence.text.encode("utf-8", "surrogatepass")) > coll.TEXT_BYTES:
            raise StoreError(f"a sentence of {doc.path} is longer than Milvus keeps "
                             f"({coll.TEXT_BYTES} bytes) - split that file")


def _doc_row(info: DocInfo, version: str) -> dict[str, Any]:
    return {"path": info.path, "version": version, "sha1": info.sha1,
            "file_sha1": info.file_sha1, "title": info.title, "size": info.size,
            "mtime_ns": info.mtime_ns, "count": info.count}


def _unchanged(docs: dict[str, dict[str, Any]], skipped: dict[str, dict[str, Any]],
               files: list[Path], corpus: Corpus, verify: bool) -> bool:
    """Whether the collection holds the corpus as it is now: the same files, sizes and
    modification times (and bytes, on `verify`), and none of the files skipped as unreadable
    can be read now (qa.index.unreadable: as a local store, such a file is tried every sync)."""
    known = {p: (d["size"], d["mtime_ns"], d["file_sha1"]) for p, d in docs.items()}
    known.update({p: (s["size"], s["mtime_ns"], s.get("file_sha1", ""))
                  for p, s in skipped.items()})
    if set(known) != {str(f) for f in files}:
        return False
    for f in files:
        size, mtime, digest = known[str(f)]
        if file_stat(f) != (size, mtime) or (verify and corpus.digest(f) != digest):
            return False
    return not any(unreadable(s) and corpus.digest(Path(p)) for p, s in skipped.items())


def _jsonable(extras: dict[str, Any]) -> dict[str, Any]:
    """An analyzer's output as JSON: arrays as {"array": values, "dtype", "shape"}."""
    return {k: ({"array": v.ravel().tolist(), "dtype": str(v.dtype), "shape": list(v.shape)}
                if isinstance(v, np.ndarray) else v) for k, v in extras.items()}


__all__ = ["MilvusBackend"]
