"""Keeping a store in step with its corpus: what changed, what to embed, one writer at a time.

`sync` lists the corpus, and when a file was added, changed or removed it writes a new
generation that reuses the rows and vectors of every file that did not change, embedding only
the rest. It has two seams: a `DocumentEncoder` (qa.embed.Embedder is one) and an optional
`Analyzer`, whose output is saved with the generation.

A file is judged unchanged by its size and modification time, and, when its content is
checked, by the SHA-1 of its bytes: that catches a change that kept both (a restored mtime, a
copy that preserves it). Content is checked on every sync of a corpus that hashes in under
CONTENT_CHECK_SECONDS, and on `verify` (`qa index --verify`) whatever its size.

A file skipped because its bytes could not be read (no permission, an I/O error) is tried again
on every sync: that skip says nothing about its content, and the file is back in the store as
soon as it can be read, whatever its size and modification time. Trying costs one failed open
per such file, and a store is written again only when one of them can be read now.

A store records the LOADERS_VERSION its files were read with (`Store.loaders`). When this qa's
loaders are newer, the next sync reads every file again, unchanged or not, and embeds only those
whose text came out different; one `ReadAgain` notice then says so.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np

from qa.errors import (
    CorpusError,
    GenerationMissingError,
    StoreCorruptError,
    StoreError,
    StoreMismatchError,
    StoreReadOnlyError,
)
from qa.index.embedding import (
    CHUNK_SENTENCES,
    PARTIAL,
    DocumentEncoder,
    IndexInterrupted,
    embed,
    text_sha1,
)
from qa.index.generation import OTHER_STORE, denied, drop_partial, lock
from qa.index.store import DocInfo, Store, places
from qa.index.writer import Part, write_generation
from qa.ingest import LOADERS_VERSION, Corpus, Document, Notify, SkipFile, Skipped

# Checking content costs about HASH_SECONDS_PER_FILE per file (open, read, close) plus its
# bytes at HASH_BYTES_PER_SECOND: SHA-1 from the page cache, as qa.ingest.file_digest reads.
# Measured by benchmarks/hash_cost.py on 2 busy AMD EPYC cores, best of 7: 10-25 us per file
# over several runs, 1.1 GB/s; the constants take the slow end. The BBC corpus (2,095 files,
# 4.7 MB) hashed in 41 ms warm (estimate: 47 ms), 0.4-0.6 s with its pages dropped from the
# cache; a whole sync of it that finds nothing changed takes 0.19 s (0.11 s without hashing,
# 0.32 s before listing used os.scandir's file types). Hashes had the same per-file cost; by
# throughput SHA-1 (1.1 GB/s) beat CRC-32 (1.0), MD5 (0.3) and BLAKE2b (0.25); xxHash's XXH3
# (3.7 GB/s) would save about 15 ms on the BBC corpus: too little for a dependency. A corpus
# estimated under CONTENT_CHECK_SECONDS (issue 16) is hashed on every sync: about 9,000
# news-sized files, or 200 MB of large ones.
CONTENT_CHECK_SECONDS = 0.2
HASH_SECONDS_PER_FILE = 20e-6
HASH_BYTES_PER_SECOND = 1.0e9


class ReadAgain(str):
    """The notice that a sync read unchanged files again because this qa reads their formats
    better than the one that indexed them; `qa index` shows it in its summary."""

    paths: tuple[str, ...]  # every file read again for that reason

    def __new__(cls, paths: Sequence[str], new_text: Sequence[str]) -> Self:
        """`new_text`: those of `paths` whose text came out different (embedded again)."""
        n, k = len(paths), len(new_text)
        notice = super().__new__(cls, f"{n:,} file{'' if n == 1 else 's'} read again: qa reads "
                                 f"their format better now ({k:,} with new text)")
        notice.paths = tuple(paths)
        return notice


class ReadOnly(str):
    """The notice that the store is behind its corpus and cannot be written: the sync answers
    from it as last built. `qa index`, whose job is to write it, fails on it instead
    (Bot.update)."""

    directory: str
    behind: str  # what the store lacks: "1 file added or changed since it was built"; or ""

    def __new__(cls, directory: Path, behind: str) -> Self:
        notice = super().__new__(cls, f"store {directory} is read-only: answering from it as "
                                 "last built")
        notice.directory, notice.behind = str(directory), behind
        return notice


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
    verify: bool = False,
) -> Store:
    """Open the store in `directory` for `corpus`, embedding only files added or changed since.

    Args:
        notify: told, one line each, what was skipped, rebuilt or cannot be written.
        progress: show a progress bar while embedding.
        rebuild: embed every file again, whatever the store holds.
        verify: hash every file, however large the corpus, and read again each one whose
            content the store does not hold (also those indexed before hashes were kept).
    """
    directory = Path(directory)
    model = encoder.identity
    old, problem = (None, "") if rebuild else _open(directory, model)
    # Notices about what the listing skipped are given when indexing, not on every question.
    listing: list[str] = []
    files = corpus.files(listing.append)
    left = left_out(listing)
    stats = _stats(files)
    check: _ContentCheck | None = None  # made only to compare the corpus with a store
    if old is not None:
        check = _ContentCheck.of(corpus, stats, verify)
        if _unchanged(old, stats, check) and _current(analyzer, old):
            # Nothing to embed: what a run cut short kept in partial/ (a killed --rebuild's
            # vectors of every file, or of a change undone since) would take disk until the
            # next change.
            drop_partial(directory)
            return _from(old, old, left)
    for message in listing:
        notify(message)
    if not _writable(directory):
        if old is not None:
            notify(ReadOnly(directory, _behind(old, stats, check or _ContentCheck.none(corpus))))
            return _from(old, old, left)
        why = f" {problem} and" if problem else ""
        raise StoreReadOnlyError(f"store {directory}{why} cannot be written - make it writable "
                                 f"or choose another store folder ({OTHER_STORE})")
    if problem:
        notify(f"store {directory} {problem}: rebuilding it")
    with lock(directory, lambda: notify(f"waiting for another qa to finish writing {directory}")):
        # Another process may have finished the same work while we waited for the lock.
        if not rebuild:
            old, _ = _open(directory, model)
            if old is not None:
                # None when there was no store before the lock: another process made it.
                check = check or _ContentCheck.of(corpus, stats, verify)
                if _unchanged(old, _stats(files), check) and _current(analyzer, old):
                    return _from(old, old, left)
        parts, skipped, again = _collect(directory, old, files, corpus, encoder, notify,
                                         progress, check)
        if not parts:
            where = ", ".join(str(p) for p in corpus.paths)
            if skipped:  # say which files were there and why none could be used
                named = sorted(skipped.items())
                why = "; ".join(f"{Path(p).name} {r['reason']}" for p, r in named[:3])
                more = f"; and {len(named) - 3} more" if len(named) > 3 else ""
                raise CorpusError(f"no sentences found in {where}: every file was skipped "
                                  f"({why}{more}) - see the lines above")
            raise CorpusError(f"no sentences found in {where} - add {_kinds(corpus.extensions)} "
                              "files with text")
        extras = analyzer.analyze(parts) if analyzer is not None else {}
        try:
            write_generation(directory, model, parts, skipped, extras)
        except PermissionError as exc:  # a file or folder of the store owned by someone else
            raise denied(directory, exc, "write") from exc
        except OSError as exc:  # the new generation is gone; CURRENT still names the old
            # numpy reports a short write (a full disk) without an errno: "N requested and M
            # written".
            why = exc.strerror or f"a write was cut short: {exc}"
            # The disk is likely full: free what partial work took, leave it as it was.
            shutil.rmtree(directory / PARTIAL, ignore_errors=True)
            raise StoreError(f"store {directory} could not be written ({why}) - free some space "
                             f"or choose another store folder ({OTHER_STORE}); the store as it "
                             "was is untouched") from exc
        shutil.rmtree(directory / PARTIAL, ignore_errors=True)  # published: no longer needed
        store = Store.load(directory, model, verify=False)
        assert store is not None
        if again is not None:
            notify(again)
        if rebuild:  # compared with no store: Store.synced_from stays unknown
            store.left_out = left
            return store
        return _from(store, old, left)


def _from(store: Store, baseline: Store | None, left: dict[str, str]) -> Store:
    """`store`, noting the store the sync compared the corpus with (Store.synced_from) and
    what its listing left out (Store.left_out)."""
    store.synced_from = list(baseline.documents) if baseline is not None else []
    store.left_out = left
    return store


def left_out(listing: Sequence[str]) -> dict[str, str]:
    """What a listing of the corpus left out, path -> reason, from its `Skipped` notices."""
    return {n.path: n.reason for n in listing if isinstance(n, Skipped)}


def _current(analyzer: Analyzer | None, store: Store) -> bool:
    """Whether `store` holds the text this qa's loaders make (a store read by older ones is
    read again, even with no file changed) and the analysis it makes."""
    return store.loaders >= LOADERS_VERSION and (analyzer is None or analyzer.current(store))


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


Stat = tuple[int, int]  # size, mtime_ns


def file_stat(path: Path) -> Stat | None:
    """(size, mtime_ns) of a file; None when it cannot be looked at."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _stats(files: list[Path]) -> dict[str, Stat | None]:
    return {str(f): file_stat(f) for f in files}


class _ContentCheck:
    """The SHA-1 of each corpus file's bytes now, to tell a file changed in place (size and
    mtime kept) from one that did not."""

    def __init__(self, corpus: Corpus, digests: dict[str, str], thorough: bool) -> None:
        self.corpus = corpus
        self.digests = digests  # path -> SHA-1 ("" when it cannot be read); files over the limit
        self.thorough = thorough  # and those not hashed are missing

    @classmethod
    def of(cls, corpus: Corpus, stats: dict[str, Stat | None], verify: bool) -> _ContentCheck:
        """Hash every file when asked to or when it is cheap; else a check that hashes none."""
        sizes = {p: s[0] for p, s in stats.items() if s is not None and s[0] <= corpus.max_bytes}
        cost = len(sizes) * HASH_SECONDS_PER_FILE + sum(sizes.values()) / HASH_BYTES_PER_SECOND
        if not verify and cost > CONTENT_CHECK_SECONDS:
            return cls.none(corpus)
        return cls(corpus, {p: corpus.digest(Path(p)) for p in sizes}, verify)

    @classmethod
    def none(cls, corpus: Corpus) -> _ContentCheck:
        """A check that hashes no file (but `readable`'s)."""
        return cls(corpus, {}, False)

    def readable(self, path: str) -> bool:
        """Whether the file's bytes can be read now (hashed to find out, unless they were)."""
        if path not in self.digests:
            self.digests[path] = self.corpus.digest(Path(path))
        return self.digests[path] != ""

    def same(self, path: str, stored: str) -> bool:
        """Whether a file whose size and mtime match its record also kept its content; `stored`
        is its hash as indexed ("" for a store written before hashes were kept: then only a
        thorough check reads the file again)."""
        now = self.digests.get(path)
        if now is None or now == stored:
            return True
        return not stored and not self.thorough


def _unchanged(store: Store, stats: dict[str, Stat | None], check: _ContentCheck) -> bool:
    """Whether the store holds the corpus as it is now (as far as files go)."""
    return _behind(store, stats, check) == ""


def _behind(store: Store, stats: dict[str, Stat | None], check: _ContentCheck) -> str:
    """What the store lacks of the corpus now, for a message ("" when nothing): "2 files added
    or changed since it was built, 1 removed"."""
    known = {d.path: ((d.size, d.mtime_ns), d.file_sha1) for d in store.documents}
    known.update({p: ((s["size"], s["mtime_ns"]), s.get("file_sha1", ""))
                  for p, s in store.skipped.items()})
    retry = {p for p, s in store.skipped.items() if unreadable(s)}
    new = sum(1 for p, stat in stats.items()
              if p not in known or stat != known[p][0] or not check.same(p, known[p][1])
              or (p in retry and check.readable(p)))
    gone = len(set(known) - set(stats))
    if not new and not gone:
        return ""
    files = f"{new:,} file{'' if new == 1 else 's'} added or changed since it was built"
    return ", ".join(([files] if new else []) + ([f"{gone:,} removed"] if gone else []))


def unreadable(record: dict[str, Any]) -> bool:
    """Whether a skipped file's record says its bytes could not be read: that skip says
    nothing about its content, so the file is tried again on every sync."""
    return record.get("unreadable") is True


def read_or_skip(f: Path, stat: Stat | None, corpus: Corpus, notify: Notify,
                 skipped: dict[str, dict[str, Any]]) -> tuple[Document | None, str]:
    """The file read, and the hash of its bytes; None when it is skipped, after one notice and
    its record in `skipped` (so that an unchanged skipped file is not read again, unless its
    bytes could not be read: `unreadable`). Hashed before reading: a change made meanwhile
    shows as a difference next time."""
    hashed = stat is not None and stat[0] <= corpus.max_bytes
    digest = corpus.digest(f) if hashed else ""
    try:
        return corpus.read(f), digest
    except SkipFile as exc:
        notify(f"skipped {f}: {exc}")
        if stat is not None:
            skipped[str(f)] = {"size": stat[0], "mtime_ns": stat[1], "reason": str(exc),
                               "file_sha1": digest}
            if hashed and not digest:  # its bytes could not be read at all
                skipped[str(f)]["unreadable"] = True
        return None, digest


def _collect(directory: Path, old: Store | None, files: list[Path], corpus: Corpus,
             encoder: DocumentEncoder, notify: Notify, progress: bool,
             check: _ContentCheck | None
             ) -> tuple[list[Part], dict[str, dict[str, Any]], ReadAgain | None]:
    """Every file's part of the new generation, reused from `old` when it did not change (and
    was read by this qa's loaders); and which unchanged files were read again, if any."""
    by_path = {d.path: d for d in old.documents} if old else {}
    check = check or _ContentCheck.none(corpus)
    stale = old is not None and old.loaders < LOADERS_VERSION
    again: list[str] = []  # unchanged files read again for that
    parts: list[Part | None] = []
    fresh: list[tuple[int, Document, Stat, str]] = []
    skipped: dict[str, dict[str, Any]] = {}
    for f in files:
        path, stat = str(f), file_stat(f)
        prev = by_path.get(path)
        if old is not None and prev is not None and stat == (prev.size, prev.mtime_ns):
            if check.same(path, prev.file_sha1):
                digest = prev.file_sha1 or check.digests.get(path, "")
                if not stale:
                    parts.append(_reuse(old, prev, replace(prev, file_sha1=digest)))
                    continue
                again.append(path)
            elif prev.file_sha1 and check.digests.get(path):  # not when it cannot be read now
                notify(f"read {f} again: its content changed but its size and modification "
                       "time did not")
        record = old.skipped.get(path) if old is not None else None
        if (record is not None and not unreadable(record)
                and stat == (record["size"], record["mtime_ns"])
                and check.same(path, record.get("file_sha1", ""))):
            if not stale:
                skipped[path] = record
                continue
            again.append(path)
        doc, digest = read_or_skip(f, stat, corpus, notify, skipped)
        if doc is None:
            continue
        if doc.note:
            notify(f"read {f}: {doc.note}")
        stat = stat or (0, 0)
        # Touched only, or read again by newer loaders that made the same text and title: its
        # vectors stand; its pages and sections are as read now.
        if (old is not None and prev is not None and prev.sha1 == text_sha1(doc)
                and prev.title == doc.title):
            parts.append(_reuse(old, prev, replace(prev, size=stat[0], mtime_ns=stat[1],
                                                   file_sha1=digest,
                                                   locations=places(doc.locations))))
            continue
        fresh.append((len(parts), doc, stat, digest))
        parts.append(None)
    if fresh:
        docs = [doc for _, doc, _, _ in fresh]
        for (slot, doc, (size, mtime), digest), (vectors, title) in zip(
                fresh, embed(directory, docs, encoder, notify, progress), strict=True):
            parts[slot] = Part(
                DocInfo(doc.path, doc.title, size, mtime, text_sha1(doc), 0, len(doc.sentences),
                        digest, places(doc.locations)),
                [(s.text, s.passage, s.start, s.end) for s in doc.sentences],
                vectors,
                title,
            )
    reread = set(again)
    new_text = [doc.path for _, doc, _, _ in fresh if doc.path in reread]
    return ([p for p in parts if p is not None], skipped,
            ReadAgain(again, new_text) if again else None)


def _reuse(old: Store, prev: DocInfo, info: DocInfo) -> Part:
    lo, hi = prev.first, prev.first + prev.count
    sentences = [(old.text(r), int(old.rows[r, 1]), int(old.rows[r, 2]), int(old.rows[r, 3]))
                 for r in range(lo, hi)]
    doc_index = int(old.rows[lo, 0])
    return Part(
        replace(info, sha1=info.sha1 or prev.sha1, first=0, count=prev.count),
        sentences,
        np.array(old.vectors[lo:hi]),
        np.array(old.title_vectors[doc_index]),
    )


def _writable(directory: Path) -> bool:
    probe = directory
    while not probe.exists():
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


__all__ = ["CHUNK_SENTENCES", "PARTIAL", "Analyzer", "DocumentEncoder", "IndexInterrupted",
           "ReadAgain", "ReadOnly", "Stat", "file_stat", "left_out", "read_or_skip", "sync",
           "text_sha1", "unreadable"]
