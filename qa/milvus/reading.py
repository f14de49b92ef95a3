"""Reading a big Milvus store a question at a time, without a copy of its rows.

A reader keeps only what is small and corpus-wide (`Corpus`): the manifest's documents (path,
version, title, count; no vectors), the BM25 vocabulary with each term's sentence frequency,
the number of sentences and their mean length in terms (`LEXICON`, written by every sync that
writes), and the corpus analysis (acronyms, aliases, speakers; per-row speaker and quote ids).
Per question (`Reader.narrow`), Milvus's dense search, its BM25 search and a search of the
manifest's title vectors propose rows; every row of their documents is fetched from Milvus by a
filtered query and assembled into a small Store whose BM25 postings are weighed with the whole
corpus's idf and mean length, so each of its rows scores exactly as in a store of the whole
corpus. Ranking (qa.rank) then scores that store whole.

Rows are numbered as in a store of the whole corpus: documents in path order, each one's
sentences in order (the mirror's and the analysis's order), so a row number means the same
sentence question after question, for as long as the collection's epoch stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.errors import StoreError
from qa.index import (
    Analyzer,
    DocInfo,
    LexicalIndex,
    Narrowed,
    Store,
    Wanted,
    bm25_weights,
    idf_of,
    postings_of,
    unseen,
)
from qa.milvus import collections as coll
from qa.milvus.client import Location, failure
from qa.milvus.mirror import doc_info, fetch, load_mirror, write_mirror
from qa.milvus.search import attach
from qa.text import terms
from qa.vectors import DenseIndex

LEXICON = "lexicon"  # meta key: the BM25 statistics of the whole corpus, by epoch
QUERY_ROWS = 16_000  # rows fetched by one filtered query (Milvus returns at most 16,384)
# Sentences whose index terms a reader remembers: stemming the rows of a question's documents
# was a third of its time, and the same documents come back question after question.
TERMS_KEPT = 200_000


@dataclass(frozen=True)
class CorpusLexicon(LexicalIndex):
    """A LexicalIndex of some rows, whose unknown-word bound is the whole corpus's."""

    corpus_count: int = 0
    corpus_unseen: float = 1.0

    def max_idf(self) -> float:
        return float(np.log1p((self.corpus_count + 0.5) / 0.5))

    def unseen(self) -> float:
        return self.corpus_unseen


def lexicon_facts(sentences: Sequence[str], epoch: str) -> dict[str, Any]:
    """What readers need of the corpus's BM25 (`LEXICON`): every term with the number of
    sentences holding it, the number of sentences and their mean length in terms (as
    LexicalIndex.build computes it, so idf and weights match a store of the whole corpus)."""
    df: dict[str, int] = {}
    lengths = np.zeros(len(sentences), dtype=np.float32)
    for row, text in enumerate(sentences):
        toks = terms(text)
        lengths[row] = len(toks)
        for t in dict.fromkeys(toks):
            df[t] = df.get(t, 0) + 1
    avg = float(lengths.mean()) if len(sentences) else 1.0
    return {"epoch": epoch, "terms": list(df), "df": list(df.values()),
            "count": len(sentences), "avg": avg}


class CorpusStore(Store):
    """The whole collection as ranking sees it between questions: its documents, vocabulary
    and analysis, and no rows; each question reads its own rows through `narrow`."""

    def __init__(self, meta: dict[str, Any], arrays: dict[str, Any], vocab: dict[str, int],
                 count: int) -> None:
        super().__init__(Path("."), meta, arrays, b"", vocab)
        self._count = count

    @property
    def count(self) -> int:
        return self._count

    def text(self, row: int) -> str:
        raise StoreError("a Milvus store read a question at a time holds no sentence texts "
                         "between questions")


class Reader:
    """One epoch of a Milvus collection, read a question at a time (module docstring).

    Args:
        client, where: the connection and the collection.
        docs: the manifest rows (no title vectors needed), by path.
        lexicon: the `LEXICON` value of this epoch.
        extras: the analysis as the store keeps it (its per-row arrays by whole-store row).
        skipped: the files the last sync left out, with why.
        dim: the vector size.
    """

    def __init__(self, client: Any, where: Location, docs: dict[str, dict[str, Any]],
                 lexicon: dict[str, Any], extras: dict[str, Any],
                 skipped: dict[str, dict[str, Any]], dim: int,
                 kept: dict[str, tuple[str, Any]]) -> None:
        self.client, self.where, self.dim = client, where, dim
        self.paths = sorted(docs)
        self.number = {p: i for i, p in enumerate(self.paths)}
        self.version = [str(docs[p]["version"]) for p in self.paths]
        counts = np.asarray([int(docs[p]["count"]) for p in self.paths], dtype=np.int64)
        firsts = np.cumsum(counts) - counts
        self.infos = [doc_info(p, docs[p], int(firsts[i]), kept)
                      for i, p in enumerate(self.paths)]
        self.total = int(counts.sum())
        self.vocab = {t: i for i, t in enumerate(lexicon["terms"])}
        self.idf = idf_of(np.asarray(lexicon["df"], dtype=np.float32), int(lexicon["count"]))
        self.avg = float(lexicon["avg"])
        self.corpus_count = int(lexicon["count"])
        self.unseen = unseen(np.asarray(lexicon["df"], dtype=np.int64))
        self.arrays = {k: v for k, v in extras.items() if isinstance(v, np.ndarray)}
        self.extras = {k: v for k, v in extras.items() if not isinstance(v, np.ndarray)}
        self.skipped = skipped
        self._terms: dict[str, list[str]] = {}  # a sentence's index terms (TERMS_KEPT)

    # --- the store between questions -------------------------------------------------------

    def whole(self) -> CorpusStore:
        """The CorpusStore of this epoch, its `narrow` bound to this reader."""
        empty = np.zeros(0, dtype=np.int64)
        lexicon = CorpusLexicon(self.vocab, self.idf, np.zeros(len(self.vocab) + 1, np.int64),
                                empty.astype(np.int32), empty.astype(np.float32),
                                self.corpus_count, self.corpus_count, self.unseen)
        vectors = np.zeros((0, self.dim), dtype=np.float32)
        # every row's document, passage, start, end: not held; a view that costs nothing
        rows = np.broadcast_to(np.zeros((1, 4), dtype=np.int32), (self.total, 4))
        store = CorpusStore(_meta(self.infos, self.skipped, self.extras, self.arrays, self.dim),
                            {**_arrays(vectors, vectors, np.zeros(1, np.int64), rows, lexicon),
                             **{f"x_{k}": v for k, v in self.arrays.items()}},
                            self.vocab, self.total)
        store.lexicon = lexicon
        store.dense = DenseIndex(vectors, None, "exact")
        store.narrow = self.narrow
        return store

    # --- a question --------------------------------------------------------------------------

    def narrow(self, wanted: Wanted) -> Narrowed:
        """The whole documents the question's searches propose, as a Store (module docstring)."""
        try:
            docs = self._proposed(wanted)
            return self._assemble(docs, wanted.words)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - pymilvus and grpc errors alike
            raise failure(self.where, exc) from None

    def _proposed(self, wanted: Wanted) -> NDArray[np.int64]:
        rows_c, docs_c, _ = coll.names(self.where.collection)
        found: set[int] = set()
        vectors = [v.tolist() for v in wanted.vectors]
        searches: list[tuple[str, list[Any], str, str, int]] = []
        if vectors:
            searches += [(rows_c, vectors, "vector", "IP", wanted.dense),
                         (docs_c, vectors[:1], "title_vector", "IP", wanted.titles)]
        texts = [t for t in wanted.texts if terms(t)]
        if texts:
            searches.append((rows_c, texts, "sparse", "BM25", wanted.lexical))
        for name, data, field, metric, k in searches:
            fields = ["path"] if name == docs_c else ["path", "version"]
            for hits in self.client.search(name, data=data, anns_field=field, limit=k,
                                           output_fields=fields,
                                           search_params={"metric_type": metric}):
                for hit in hits:
                    entity = hit["entity"]
                    d = self.number.get(entity["path"])
                    if d is not None and (name == docs_c
                                          or entity["version"] == self.version[d]):
                        found.add(d)
        chosen = np.asarray(sorted(found), dtype=np.int64)
        if wanted.documents is not None:
            inside = np.intersect1d(chosen, wanted.documents)
            # none of the proposals lies within: the documents asked for, when few enough
            chosen = inside if inside.size or wanted.documents.size > wanted.titles else (
                np.asarray(wanted.documents, dtype=np.int64))
        return chosen

    def _fetch(self, docs: NDArray[np.int64]) -> tuple[dict[int, list[dict[str, Any]]],
                                                        dict[int, list[float]]]:
        """Every row of these documents (of the manifest's version), and their title vectors."""
        rows_c, docs_c, _ = coll.names(self.where.collection)
        rows: dict[int, list[dict[str, Any]]] = {int(d): [] for d in docs}
        groups: list[list[int]] = [[]]
        size = 0
        for d in docs.tolist():
            count = self.infos[d].count
            if groups[-1] and size + count > QUERY_ROWS:
                groups.append([])
                size = 0
            groups[-1].append(d)
            size += count
        for group in groups:
            if not group:
                continue
            paths = coll.quoted([self.paths[d] for d in group])
            limit = sum(self.infos[d].count for d in group)
            for row in self.client.query(rows_c, filter=f"path in {paths}", limit=max(limit, 1),
                                         output_fields=[*coll.ROW_FIELDS, "vector"]):
                d = self.number[row["path"]]
                if row["version"] == self.version[d]:
                    rows[d].append(row)
        titles: dict[int, list[float]] = {}
        for lo in range(0, len(docs), 1000):
            paths = coll.quoted([self.paths[d] for d in docs[lo:lo + 1000].tolist()])
            for row in self.client.query(docs_c, filter=f"path in {paths}",
                                         output_fields=["path", "title_vector"]):
                titles[self.number[row["path"]]] = row["title_vector"]
        return rows, titles

    def _assemble(self, docs: NDArray[np.int64], words: tuple[str, ...]) -> Narrowed:
        fetched, titles = self._fetch(docs)
        infos: list[DocInfo] = []
        texts: list[str] = []
        table: list[tuple[int, int, int, int]] = []
        vectors: list[Any] = []
        title_vectors: list[Any] = []
        whole: list[NDArray[np.int64]] = []
        for d in docs.tolist():
            rows = sorted(fetched[d], key=lambda r: int(r["seq"]))
            info = self.infos[d]
            if len(rows) != info.count or d not in titles:
                continue  # replaced since this epoch began: left out until the next sync
            n = len(infos)
            infos.append(replace(info, first=len(texts)))
            for r in rows:
                texts.append(r["text"])
                table.append((n, int(r["passage"]), int(r["start"]), int(r["end"])))
                vectors.append(r["vector"])
            title_vectors.append(titles[d])
            whole.append(np.arange(info.first, info.first + info.count, dtype=np.int64))
        global_rows = np.concatenate(whole) if whole else np.zeros(0, dtype=np.int64)
        lexicon = self._lexicon(texts, words)
        vec = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
        tvec = np.asarray(title_vectors, dtype=np.float32).reshape(len(infos), self.dim)
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        arrays = self._row_arrays(global_rows)
        store = Store(Path("."), _meta(infos, {}, self.extras, arrays, self.dim),
                      {**_arrays(vec, tvec, offsets,
                                 np.asarray(table, dtype=np.int32).reshape(len(texts), 4),
                                 lexicon),
                       **{f"x_{k}": v for k, v in arrays.items()}},
                      b"".join(encoded), lexicon.vocab)
        store.lexicon = lexicon
        return Narrowed(store, global_rows)

    def _lexicon(self, texts: list[str], words: tuple[str, ...]) -> CorpusLexicon:
        """BM25 postings of these rows, weighed with the whole corpus's idf and mean length;
        its vocabulary holds their terms and `words`, each with the whole corpus's idf."""
        local: dict[str, int] = {}
        term_ids: list[int] = []
        row_ids: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.float32)
        known = self._terms
        if len(known) > TERMS_KEPT:
            known.clear()
        for row, text in enumerate(texts):
            toks = known.get(text)
            if toks is None:
                toks = known[text] = terms(text)
            lengths[row] = len(toks)
            for t in toks:
                if t in self.vocab:
                    term_ids.append(local.setdefault(t, len(local)))
                    row_ids.append(row)
        for t in words:
            if t in self.vocab:
                local.setdefault(t, len(local))
        post_terms, post_rows, tf, indptr = postings_of(term_ids, row_ids, len(texts),
                                                        len(local))
        idf = self.idf[np.asarray([self.vocab[t] for t in local], dtype=np.int64)]
        weights = bm25_weights(idf[post_terms], tf, lengths[post_rows], self.avg)
        return CorpusLexicon(local, idf.astype(np.float32), indptr, post_rows, weights,
                             len(texts), self.corpus_count, self.unseen)

    def _row_arrays(self, rows: NDArray[np.int64]) -> dict[str, NDArray[Any]]:
        """The analysis's per-row arrays for these whole-store rows; a quote's rows (which lie
        in one document) renumbered as this store numbers them."""
        out: dict[str, NDArray[Any]] = {}
        local = np.arange(rows.shape[0], dtype=np.int64)
        for key, values in self.arrays.items():
            if values.shape[:1] != (self.total,):
                continue  # not per row (or out of step): ranking then goes without it
            picked = np.asarray(values[rows])
            if key == "quote":
                picked = (picked + (local - rows)[:, None]).astype(values.dtype)
            out[key] = picked
        return out


def open_reader(client: Any, where: Location, identity: dict[str, Any], epoch: Any,
                skipped: dict[str, dict[str, Any]], docs: dict[str, dict[str, Any]] | None = None
                ) -> Reader | None:
    """A Reader of this epoch; None when its statistics or analysis are of another epoch
    (written by an older qa, or a sync is finishing). `docs` is the manifest when the caller
    has read it already."""
    name = where.collection
    lexicon = coll.get_chunked(client, name, LEXICON)
    analysis = coll.get_chunked(client, name, "analysis")
    if (epoch is None or not isinstance(lexicon, dict) or lexicon.get("epoch") != epoch
            or not isinstance(analysis, dict) or analysis.get("epoch") != epoch):
        return None
    if docs is None:
        docs = coll.manifest(client, name, vectors=False)
    return Reader(client, where, docs, lexicon, extras_of(analysis), skipped, int(identity["dim"]),
                  coll.places_of(client, name))


def open_as_left(client: Any, where: Location, identity: dict[str, Any] | None, model: str,
                 mirror: Path, mirror_below: int, analyzer: Analyzer | None) -> Store:
    """The collection as its indexers left it, written nowhere but this process's mirror: a
    read-only backend's store (qa.milvus.backend)."""
    if identity is None:
        raise StoreError(f"{where.describe()} holds no store yet - index it first with a qa "
                         "that may write (milvus_read_only: false)")
    name = where.collection
    state = coll.get(client, name, "state") or {}
    docs = coll.manifest(client, name, vectors=False)
    skipped = coll.get_chunked(client, name, "skipped") or {}
    kept = as_left(client, where, identity, state, docs, skipped, model, mirror, mirror_below,
                   analyzer)
    if kept is None:
        raise StoreError(f"{where.describe()} was last written by another qa version or a "
                         "sync is under way - ask again in a moment, or sync it once with a qa "
                         "that may write")
    return kept


def as_left(client: Any, where: Location, identity: dict[str, Any], state: dict[str, Any],
            docs: dict[str, dict[str, Any]], skipped: dict[str, dict[str, Any]], model: str,
            mirror: Path, mirror_below: int, analyzer: Analyzer | None) -> Store | None:
    """The store of a collection as its last sync left it (`docs` its manifest), written
    nowhere but this process's mirror: a per-question reader from `mirror_below` sentences
    up, else the mirror, made again from the rows when missing or of another analysis. None
    when its statistics, analysis or rows are of another epoch (another qa version wrote
    them, or a sync is under way): a writer writes them again, a read-only reader refuses."""
    name, epoch = where.collection, state.get("epoch")
    if sum(int(d["count"]) for d in docs.values()) >= mirror_below:
        reader = open_reader(client, where, identity, epoch, skipped, docs)
        return None if reader is None else reader.whole()
    kept = load_mirror(mirror, model, epoch)
    if kept is not None and (analyzer is None or analyzer.current(kept)):
        coll.check_dim(identity, int(kept.vectors.shape[1]), where.describe())
        return attach(kept, client, where)
    analysis = coll.get_chunked(client, name, "analysis")
    if analysis is None or analysis.get("epoch") != epoch:
        return None
    if any("title_vector" not in d for d in docs.values()):
        docs = coll.manifest(client, name)  # the rows' part needs the title vectors
    known, whole = fetch(client, name, docs)
    if not whole:
        return None
    return attach(write_mirror(mirror, model, list(known.values()), skipped,
                               extras_of(analysis), epoch), client, where)


def extras_of(saved: dict[str, Any]) -> dict[str, Any]:
    """The analysis as the meta collection keeps it, read back: arrays as numpy arrays."""
    out: dict[str, Any] = {}
    for k, v in saved.items():
        if k == "epoch":
            continue
        if isinstance(v, dict) and set(v) == {"array", "dtype", "shape"}:
            out[k] = np.asarray(v["array"], dtype=v["dtype"]).reshape(v["shape"])
        else:
            out[k] = v
    return out


def _meta(infos: list[DocInfo], skipped: dict[str, dict[str, Any]], extras: dict[str, Any],
          arrays: dict[str, Any], dim: int) -> dict[str, Any]:
    return {"documents": [{"path": d.path, "title": d.title, "size": d.size,
                           "mtime_ns": d.mtime_ns, "sha1": d.sha1, "first": d.first,
                           "count": d.count} for d in infos],
            "file_sha1": [d.file_sha1 for d in infos],
            "locations": [[list(x) for x in d.locations] for d in infos],
            "skipped": skipped, "extras": extras,
            "extra_arrays": list(arrays), "dim": dim}


def _arrays(vectors: Any, title_vectors: Any, offsets: Any, rows: Any,
            lexicon: LexicalIndex) -> dict[str, Any]:
    return {"vectors": vectors, "title_vectors": title_vectors, "offsets": offsets,
            "rows": rows, "lex_idf": lexicon.idf, "lex_indptr": lexicon.indptr,
            "lex_rows": lexicon.rows, "lex_weights": lexicon.weights}


__all__ = [
    "LEXICON",
    "CorpusLexicon",
    "CorpusStore",
    "Reader",
    "as_left",
    "extras_of",
    "lexicon_facts",
    "open_as_left",
    "open_reader",
]
