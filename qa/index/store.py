"""The store: sentence vectors, texts and indexes on disk, kept in step with the corpus.

Layout of a store directory:

    CURRENT            name of the complete generation to read (replaced atomically)
    lock               held while a process writes
    gen-000007/        one complete generation: meta.json (format, model, counts, per-file
                       size/mtime/CRC, documents) and the arrays it lists

A generation is written under a temporary name, flushed to disk, renamed, and only then named
in CURRENT, so a reader (or a process killed mid-write) always sees either the old complete
store or the new one. Arrays are memory-mapped, so loading costs no more than reading meta.json.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.disk import fsync_dir, replace_file
from qa.errors import (
    CorpusError,
    StoreCorruptError,
    StoreError,
    StoreMismatchError,
    StoreReadOnlyError,
)
from qa.index.lexical import LexicalIndex
from qa.ingest import Document, Notify, Sentence, SkipFile, list_files, read_document
from qa.text import terms

FORMAT = 1
DERIVED = "derived.json"  # the manifest of files made from a generation after it was written
_ARRAYS = ("vectors", "offsets", "rows", "title_vectors", "lex_idf", "lex_indptr", "lex_rows",
           "lex_weights")


@dataclass(frozen=True)
class DocInfo:
    """What the store remembers of one document: where its rows are and how to spot a change."""

    path: str
    title: str
    size: int
    mtime_ns: int
    sha1: str
    first: int  # first row of its sentences
    count: int


class Store:
    """One complete generation, opened read-only; rows are sentences in document order."""

    def __init__(self, directory: Path, meta: dict[str, Any], arrays: dict[str, Any],
                 texts: bytes | memoryview, vocab: dict[str, int]) -> None:
        self.directory = directory
        self.meta = meta
        self.documents = [DocInfo(**d) for d in meta["documents"]]
        self.skipped: dict[str, dict[str, Any]] = meta.get("skipped", {})
        self.vectors: NDArray[np.float32] = arrays["vectors"]
        self.title_vectors: NDArray[np.float32] = arrays["title_vectors"]
        self.offsets: NDArray[np.int64] = arrays["offsets"]
        self.rows: NDArray[np.int32] = arrays["rows"]  # doc, passage, start, end
        self._texts = texts
        self.lexicon = LexicalIndex(vocab, arrays["lex_idf"], arrays["lex_indptr"],
                                    arrays["lex_rows"], arrays["lex_weights"], len(self.rows))
        self.extras: dict[str, Any] = meta.get("extras", {})
        self.generation: Path | None = None  # its gen-* folder, set by load()
        # Per-sentence arrays an `analyze` hook added (e.g. speaker ids), by extras key.
        self.extra_arrays: dict[str, Any] = {
            k: arrays[f"x_{k}"] for k in meta.get("extra_arrays", []) if f"x_{k}" in arrays}

    @property
    def count(self) -> int:
        return int(self.rows.shape[0])

    # --- derived files -----------------------------------------------------------------------
    # Files made from a generation after it was written (an ANN index, an int8 copy of the
    # vectors, title cosines) live in its folder and are listed in its manifest, DERIVED, with
    # their sizes: what is not listed there, or has another size, is not used.

    def derived(self, name: str) -> Path | None:
        """The derived file `name` of this generation when it is listed and whole, else None."""
        if self.generation is None:
            return None
        entry = _read_derived(self.generation).get(name)
        path = self.generation / name
        try:
            if entry is not None and path.stat().st_size == entry["size"]:
                return path
        except (OSError, KeyError, TypeError):
            return None
        return None

    def keep(self, name: str, write: Callable[[Path], None]) -> Path | None:
        """Make the derived file `name` by `write(path)` and list it in the manifest.

        The file is written under a temporary name and renamed into place; the manifest is
        updated under the store's lock. Returns its path, or None when the store has no
        generation or cannot be written (the caller then keeps what it made in memory).
        """
        gen = self.generation
        if gen is None or "/" in name or name.startswith(".") or name == DERIVED:
            return None
        tmp = gen / f".{name}.{os.getpid()}-{time.time_ns()}"
        try:
            write(tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            size = tmp.stat().st_size
            with _lock(self.directory):
                os.replace(tmp, gen / name)
                manifest = _read_derived(gen)
                manifest[name] = {"size": size}
                replace_file(gen / DERIVED, json.dumps(manifest, indent=1).encode())
        except (OSError, StoreError):
            return None
        finally:
            with contextlib.suppress(OSError):
                if tmp.is_dir():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
        return gen / name

    def text(self, row: int) -> str:
        lo, hi = int(self.offsets[row]), int(self.offsets[row + 1])
        return bytes(self._texts[lo:hi]).decode("utf-8")

    def sentence(self, row: int) -> Sentence:
        doc, passage, start, end = (int(x) for x in self.rows[row])
        return Sentence(self.text(row), self.documents[doc].path, passage, start, end)

    def document_of(self, row: int) -> DocInfo:
        return self.documents[int(self.rows[row, 0])]

    # --- reading -----------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path, model: str, verify: bool = True) -> Store | None:
        """The current generation, or None when there is none yet.

        Raises StoreMismatchError for another model or format, StoreCorruptError for damage.
        """
        try:
            name = (directory / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreCorruptError(f"unreadable CURRENT file ({exc})") from None
        gen = directory / name
        if "/" in name or not name.startswith("gen-"):
            raise StoreCorruptError("CURRENT names no generation")
        if not gen.is_dir():  # or a writer replaced it just now: the caller reads again
            raise FileNotFoundError(f"CURRENT names {name}, which is missing")
        try:
            meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreCorruptError(f"unreadable meta.json ({exc.__class__.__name__})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise StoreMismatchError(f"was written in store format {found}, this qa reads {FORMAT}")
        if meta.get("model") != model:
            raise StoreMismatchError(f"was built with model {meta.get('model')}, not {model}")
        try:
            if verify:
                _verify(gen, meta["files"])
            names = list(_ARRAYS) + [f"x_{k}" for k in meta.get("extra_arrays", [])]
            arrays = {k: np.load(gen / f"{k}.npy", mmap_mode="r", allow_pickle=False)
                      for k in names}
            texts = _map_bytes(gen / "texts.bin")
            vocab = json.loads((gen / "vocab.json").read_text(encoding="utf-8"))
            n = int(meta["count"])
            _check_shapes(arrays, n, int(meta["dim"]), len(meta["documents"]), len(texts))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreCorruptError(f"damaged files ({exc})") from None
        store = cls(directory, meta, arrays, texts, vocab)
        store.generation = gen
        return store


def _read_derived(gen: Path) -> dict[str, Any]:
    """A generation's manifest of derived files ({} when it has none or it is unreadable)."""
    try:
        data = json.loads((gen / DERIVED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _map_bytes(path: Path) -> bytes | memoryview:
    if path.stat().st_size == 0:  # numpy cannot map an empty file
        return b""
    return memoryview(np.memmap(path, dtype=np.uint8, mode="r"))


def _check_shapes(arrays: dict[str, Any], n: int, dim: int, docs: int, text_bytes: int) -> None:
    if arrays["vectors"].shape != (n, dim):
        raise ValueError(f"vectors are {arrays['vectors'].shape}, meta says {(n, dim)}")
    if arrays["rows"].shape != (n, 4) or arrays["offsets"].shape != (n + 1,):
        raise ValueError("sentence table and vectors are out of step")
    if arrays["title_vectors"].shape != (docs, dim):
        raise ValueError("title vectors and documents are out of step")
    if int(arrays["offsets"][-1]) != text_bytes:
        raise ValueError("sentence texts and offsets are out of step")
    for key, arr in arrays.items():
        if key.startswith("x_") and arr.shape[:1] != (n,):
            raise ValueError(f"{key} has {arr.shape[:1]} rows, not {n}")


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return crc


def _verify(gen: Path, files: dict[str, dict[str, int]]) -> None:
    """Sizes always; a full CRC only for files whose mtime moved since they were written."""
    for name, info in files.items():
        st = (gen / name).stat()
        if st.st_size != info["size"]:
            raise ValueError(f"{name} is {st.st_size} bytes, expected {info['size']}")
        if st.st_mtime_ns != info["mtime_ns"] and _crc(gen / name) != info["crc32"]:
            raise ValueError(f"{name} fails its checksum")


# --- writing -----------------------------------------------------------------------------------


@dataclass
class _Part:
    """One document's share of a new generation: its rows, vectors and title vector."""

    info: DocInfo
    sentences: list[tuple[str, int, int, int]]  # text, passage, start, end
    vectors: NDArray[np.float32]
    title_vector: NDArray[np.float32]


Encoder = Callable[[list[str], bool], NDArray[np.float32]]
Analyzer = Callable[[list[_Part]], dict[str, Any]]


def sync(
    directory: Path,
    corpus: tuple[Path, ...],
    *,
    model: str,
    encode: Encoder,
    dim: Callable[[], int],
    extensions: tuple[str, ...],
    max_bytes: int,
    notify: Notify,
    progress: bool = False,
    rebuild: bool = False,
    analyze: Analyzer | None = None,
    current: Callable[[Store], bool] | None = None,
) -> Store:
    """Open the store for `corpus`, embedding only files added or changed since it was built.

    `current` tells whether a store's `analyze` output is of this version; a stale one is
    written again (reusing every vector) rather than recomputed on each question.
    """
    directory = Path(directory)
    old, problem = (None, "") if rebuild else _open(directory, model)
    # Notices about what the listing skipped are given when indexing, not on every question.
    listing: list[str] = []
    files = list_files(corpus, extensions, listing.append)
    fresh = current or (lambda _: True)
    if old is not None and _unchanged(old, files) and fresh(old):
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
    with _lock(directory):
        # Another process may have finished the same work while we waited for the lock.
        if not rebuild:
            old, _ = _open(directory, model)
            if old is not None and _unchanged(old, files) and fresh(old):
                return old
        parts, skipped = _collect(old, files, max_bytes, encode, dim, notify, progress)
        if not parts:
            where = ", ".join(str(p) for p in corpus)
            raise CorpusError(f"no sentences found in {where} - add .txt or .md files with text")
        extras = analyze(parts) if analyze else {}
        try:
            _write(directory, model, parts, skipped, extras)
        except OSError as exc:  # the new generation is incomplete; CURRENT still names the old
            raise StoreError(f"store {directory} could not be written "
                             f"({exc.strerror or exc}) - free some space or pass --store DIR; "
                             "the store as it was is untouched") from exc
        store = Store.load(directory, model, verify=False)
        assert store is not None
        return store


def _open(directory: Path, model: str) -> tuple[Store | None, str]:
    """The current store, or None and why it cannot be used ("" when there is none yet)."""
    problem = ""
    for attempt in range(3):
        try:
            return Store.load(directory, model), ""
        except FileNotFoundError as exc:  # a writer swapped generations under us; read again
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


def _collect(old: Store | None, files: list[Path], max_bytes: int, encode: Encoder,
             dim: Callable[[], int], notify: Notify, progress: bool
             ) -> tuple[list[_Part], dict[str, dict[str, Any]]]:
    by_path = {d.path: d for d in old.documents} if old else {}
    parts: list[_Part | None] = []
    fresh: list[tuple[int, Document, int, int]] = []
    skipped: dict[str, dict[str, Any]] = {}
    for f in files:
        stat = _stat(f)
        prev = by_path.get(str(f))
        if prev is not None and stat == (prev.size, prev.mtime_ns):
            parts.append(_reuse(old, prev, prev))  # type: ignore[arg-type]
            continue
        if old is not None and str(f) in old.skipped and stat == (
                old.skipped[str(f)]["size"], old.skipped[str(f)]["mtime_ns"]):
            skipped[str(f)] = old.skipped[str(f)]
            continue
        try:
            doc = read_document(f, max_bytes)
        except SkipFile as exc:
            notify(f"skipped {f}: {exc}")
            if stat is not None:
                skipped[str(f)] = {"size": stat[0], "mtime_ns": stat[1], "reason": str(exc)}
            continue
        if doc.note:
            notify(f"read {f}: {doc.note}")
        size, mtime = stat or (0, 0)
        sha = hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).hexdigest()
        if prev is not None and prev.sha1 == sha:  # touched, not changed
            parts.append(_reuse(old, prev, DocInfo(prev.path, prev.title, size, mtime, sha, 0, 0)))
            continue
        fresh.append((len(parts), doc, size, mtime))
        parts.append(None)
    if fresh:
        texts = [s.text for _, doc, _, _ in fresh for s in doc.sentences]
        titles = [doc.title for _, doc, _, _ in fresh]
        vectors = encode(texts + titles, progress)
        pos = 0
        for number, (slot, doc, size, mtime) in enumerate(fresh):
            n = len(doc.sentences)
            sha = hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).hexdigest()
            parts[slot] = _Part(
                DocInfo(doc.path, doc.title, size, mtime, sha, 0, n),
                [(s.text, s.passage, s.start, s.end) for s in doc.sentences],
                vectors[pos : pos + n],
                vectors[len(texts) + number],
            )
            pos += n
    return [p for p in parts if p is not None], skipped


def _reuse(old: Store, prev: DocInfo, info: DocInfo) -> _Part:
    lo, hi = prev.first, prev.first + prev.count
    sentences = [(old.text(r), int(old.rows[r, 1]), int(old.rows[r, 2]), int(old.rows[r, 3]))
                 for r in range(lo, hi)]
    doc_index = int(old.rows[lo, 0])
    return _Part(
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


@contextlib.contextmanager
def _lock(directory: Path) -> Iterator[None]:
    """An exclusive lock: a second writer waits here, then finds the work already done."""
    import fcntl

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = open(directory / "lock", "a+b")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise StoreError(f"store {directory} cannot be created ({exc.strerror or exc}) - "
                         "pass --store DIR in a folder you can write") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(directory: Path, model: str, parts: list[_Part],
           skipped: dict[str, dict[str, Any]], extras: dict[str, Any]) -> None:
    for leftover in directory.glob("tmp-*"):  # from a writer that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    tmp = directory / f"tmp-{os.getpid()}-{time.time_ns()}"
    tmp.mkdir()
    documents, rows, blobs = [], [], []
    first = 0
    for d, part in enumerate(parts):
        n = len(part.sentences)
        documents.append(asdict(DocInfo(part.info.path, part.info.title, part.info.size,
                                        part.info.mtime_ns, part.info.sha1, first, n)))
        for text, passage, start, end in part.sentences:
            rows.append((d, passage, start, end))
            blobs.append(text.encode("utf-8", "surrogatepass"))
        first += n
    vectors = np.concatenate([p.vectors for p in parts]).astype(np.float32)
    dim = vectors.shape[1]
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    lex = LexicalIndex.build([terms(t) for p in parts for t, *_ in p.sentences])
    arrays = {
        "vectors": vectors,
        "offsets": offsets,
        "rows": np.asarray(rows, dtype=np.int32).reshape(-1, 4),
        "title_vectors": np.stack([p.title_vector for p in parts]).astype(np.float32),
        "lex_idf": lex.idf, "lex_indptr": lex.indptr, "lex_rows": lex.rows,
        "lex_weights": lex.weights,
    }
    # An analyze hook's per-sentence numpy arrays are saved (and checked) like our own.
    extra_arrays = sorted(k for k, v in extras.items() if isinstance(v, np.ndarray))
    arrays.update({f"x_{k}": extras[k] for k in extra_arrays})
    extras = {k: v for k, v in extras.items() if k not in extra_arrays}
    files: dict[str, dict[str, int]] = {}

    def put(name: str, writer: Callable[[Any], None]) -> None:
        path = tmp / name
        with open(path, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        st = path.stat()
        files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "crc32": _crc(path)}

    for key, arr in arrays.items():
        put(f"{key}.npy", lambda f, arr=arr: np.save(f, arr, allow_pickle=False))
    put("texts.bin", lambda f: f.write(b"".join(blobs)))
    put("vocab.json", lambda f: f.write(json.dumps(lex.vocab).encode()))
    meta = {"format": FORMAT, "model": model, "dim": dim, "count": len(rows),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "documents": documents,
            "skipped": skipped, "extras": extras, "extra_arrays": extra_arrays, "files": files}
    with open(tmp / "meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    previous = _current_name(directory)
    number = max([int(p.name[4:]) for p in directory.glob("gen-*") if p.name[4:].isdigit()],
                 default=0) + 1
    gen = directory / f"gen-{number:06d}"
    os.rename(tmp, gen)
    fsync_dir(directory)
    replace_file(directory / "CURRENT", gen.name.encode())
    fsync_dir(directory)
    # Keep the generation just replaced (a reader may still be opening it); drop older ones.
    for stale in directory.glob("gen-*"):
        if stale.name not in (gen.name, previous):
            shutil.rmtree(stale, ignore_errors=True)


def _current_name(directory: Path) -> str | None:
    try:
        return (directory / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


__all__ = ["Store", "DocInfo", "sync", "FORMAT"]
