"""Keeping a store in step with its corpus: what changed, what to embed, one writer at a time.

`sync` lists the corpus, and when a file was added, changed or removed it writes a new
generation that reuses the rows and vectors of every file that did not change, embedding only
the rest. It has two seams: a `DocumentEncoder` (qa.embed.Embedder is one) and an optional
`Analyzer`, whose output is saved with the generation.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from qa.errors import (
    CorpusError,
    GenerationMissingError,
    StoreCorruptError,
    StoreError,
    StoreMismatchError,
    StoreReadOnlyError,
)
from qa.index.generation import denied, lock
from qa.index.store import DocInfo, Store
from qa.index.writer import Part, write_generation
from qa.ingest import Corpus, Document, Notify, SkipFile


class DocumentEncoder(Protocol):
    """Turns sentences and titles into the vectors a store holds."""

    @property
    def identity(self) -> str:
        """Names the model and its weights; a store written by another identity is rebuilt."""
        ...

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        """One unit-length float32 row per text; a progress bar on stderr when asked."""
        ...


class Analyzer(Protocol):
    """Corpus-wide facts learned when the store is written, saved with it (the bot's comes
    from qa.knowledge: acronyms, aliases, speakers)."""

    def analyze(self, parts: Sequence[Part]) -> dict[str, Any]:
        """Facts about all documents of a new generation, in order.

        JSON values are kept in meta.json's "extras"; numpy arrays with one row per sentence
        are saved beside the vectors and come back in `Store.extra_arrays`.
        """
        ...

    def current(self, store: Store) -> bool:
        """Whether `store` holds this analyzer's output, as this version of it writes it.

        A store that does not is written again, reusing every vector, so the analysis is not
        redone on every question.
        """
        ...


def sync(
    directory: Path,
    corpus: Corpus,
    encoder: DocumentEncoder,
    *,
    notify: Notify,
    analyzer: Analyzer | None = None,
    progress: bool = False,
    rebuild: bool = False,
) -> Store:
    """Open the store in `directory` for `corpus`, embedding only files added or changed since.

    Args:
        notify: told, one line each, what was skipped, rebuilt or cannot be written.
        progress: show a progress bar while embedding.
        rebuild: embed every file again, whatever the store holds.
    """
    directory = Path(directory)
    model = encoder.identity
    old, problem = (None, "") if rebuild else _open(directory, model)
    # Notices about what the listing skipped are given when indexing, not on every question.
    listing: list[str] = []
    files = corpus.files(listing.append)
    if old is not None and _unchanged(old, files) and _current(analyzer, old):
        return old
    for message in listing:
        notify(message)
    if not _writable(directory):
        if old is not None:
            notify(f"store {directory} is read-only: answering from it as last built")
            return old
        why = f" {problem} and" if problem else ""
        raise StoreReadOnlyError(
            f"store {directory}{why} cannot be written - make it writable or pass --store DIR"
        )
    if problem:
        notify(f"store {directory} {problem}: rebuilding it")
    with lock(directory):
        # Another process may have finished the same work while we waited for the lock.
        if not rebuild:
            old, _ = _open(directory, model)
            if old is not None and _unchanged(old, files) and _current(analyzer, old):
                return old
        parts, skipped = _collect(old, files, corpus, encoder, notify, progress)
        if not parts:
            where = ", ".join(str(p) for p in corpus.paths)
            raise CorpusError(f"no sentences found in {where} - add {_kinds(corpus.extensions)} "
                              "files with text")
        extras = analyzer.analyze(parts) if analyzer is not None else {}
        try:
            write_generation(directory, model, parts, skipped, extras)
        except PermissionError as exc:  # a file or folder of the store owned by someone else
            raise denied(directory, exc, "write") from exc
        except OSError as exc:  # the new generation is incomplete; CURRENT still names the old
            raise StoreError(f"store {directory} could not be written "
                             f"({exc.strerror or exc}) - free some space or pass --store DIR; "
                             "the store as it was is untouched") from exc
        store = Store.load(directory, model, verify=False)
        assert store is not None
        return store


def _current(analyzer: Analyzer | None, store: Store) -> bool:
    return analyzer is None or analyzer.current(store)


def _kinds(extensions: tuple[str, ...]) -> str:
    """The suffixes read, for a message: ".txt or .md"."""
    *rest, last = extensions or ("text",)
    return f"{', '.join(rest)} or {last}" if rest else last


def _open(directory: Path, model: str) -> tuple[Store | None, str]:
    """The current store, or None and why it cannot be used ("" when there is none yet)."""
    problem = ""
    for attempt in range(3):
        try:
            return Store.load(directory, model), ""
        except GenerationMissingError as exc:  # a writer swapped generations under us: again
            problem = f"is damaged ({exc})"
            time.sleep(0.05 * (attempt + 1))
        except StoreMismatchError as exc:
            return None, str(exc)
        except StoreCorruptError as exc:
            return None, f"is damaged ({exc})"
    return None, problem


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _unchanged(store: Store, files: list[Path]) -> bool:
    known = {d.path: (d.size, d.mtime_ns) for d in store.documents}
    known.update({p: (s["size"], s["mtime_ns"]) for p, s in store.skipped.items()})
    if set(known) != {str(f) for f in files}:
        return False
    return all(_stat(f) == known[str(f)] for f in files)


def _sha1(doc: Document) -> str:
    return hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).hexdigest()


def _collect(old: Store | None, files: list[Path], corpus: Corpus, encoder: DocumentEncoder,
             notify: Notify, progress: bool) -> tuple[list[Part], dict[str, dict[str, Any]]]:
    """Every file's part of the new generation, reused from `old` when it did not change."""
    by_path = {d.path: d for d in old.documents} if old else {}
    parts: list[Part | None] = []
    fresh: list[tuple[int, Document, int, int]] = []
    skipped: dict[str, dict[str, Any]] = {}
    for f in files:
        stat = _stat(f)
        prev = by_path.get(str(f))
        if old is not None and prev is not None and stat == (prev.size, prev.mtime_ns):
            parts.append(_reuse(old, prev, prev))
            continue
        if old is not None and str(f) in old.skipped and stat == (
                old.skipped[str(f)]["size"], old.skipped[str(f)]["mtime_ns"]):
            skipped[str(f)] = old.skipped[str(f)]
            continue
        try:
            doc = corpus.read(f)
        except SkipFile as exc:
            notify(f"skipped {f}: {exc}")
            if stat is not None:
                skipped[str(f)] = {"size": stat[0], "mtime_ns": stat[1], "reason": str(exc)}
            continue
        if doc.note:
            notify(f"read {f}: {doc.note}")
        size, mtime = stat or (0, 0)
        sha = _sha1(doc)
        if old is not None and prev is not None and prev.sha1 == sha:  # touched, not changed
            parts.append(_reuse(old, prev, DocInfo(prev.path, prev.title, size, mtime, sha, 0, 0)))
            continue
        fresh.append((len(parts), doc, size, mtime))
        parts.append(None)
    if fresh:
        texts = [s.text for _, doc, _, _ in fresh for s in doc.sentences]
        titles = [doc.title for _, doc, _, _ in fresh]
        vectors = encoder.encode(texts + titles, progress)
        pos = 0
        for number, (slot, doc, size, mtime) in enumerate(fresh):
            n = len(doc.sentences)
            parts[slot] = Part(
                DocInfo(doc.path, doc.title, size, mtime, _sha1(doc), 0, n),
                [(s.text, s.passage, s.start, s.end) for s in doc.sentences],
                vectors[pos : pos + n],
                vectors[len(texts) + number],
            )
            pos += n
    return [p for p in parts if p is not None], skipped


def _reuse(old: Store, prev: DocInfo, info: DocInfo) -> Part:
    lo, hi = prev.first, prev.first + prev.count
    sentences = [(old.text(r), int(old.rows[r, 1]), int(old.rows[r, 2]), int(old.rows[r, 3]))
                 for r in range(lo, hi)]
    doc_index = int(old.rows[lo, 0])
    return Part(
        DocInfo(info.path, info.title, info.size, info.mtime_ns, info.sha1 or prev.sha1, 0,
                prev.count),
        sentences,
        np.array(old.vectors[lo:hi]),
        np.array(old.title_vectors[doc_index]),
    )


def _writable(directory: Path) -> bool:
    probe = directory
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


__all__ = ["Analyzer", "DocumentEncoder", "sync"]
