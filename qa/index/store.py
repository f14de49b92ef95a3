"""Reading a store: the current generation's sentences, vectors and indexes, memory-mapped.

Loading costs little more than reading meta.json: the arrays are mapped, not read, and checked
by size (and by CRC only when a file's mtime moved). The layout is described in generation.py.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.errors import (
    GenerationMissingError,
    StoreCorruptError,
    StoreError,
    StoreMismatchError,
)
from qa.index.generation import (
    ARRAYS,
    CURRENT,
    DERIVED,
    FORMAT,
    META,
    PREFIX,
    TEXTS,
    VOCAB,
    check,
    denied,
    list_derived,
    lock,
    not_a_folder,
    read_derived,
    record,
)
from qa.index.lexical import LexicalIndex
from qa.ingest import Location, Sentence

# Where stretches of a document's text sit in its file: (offset, page, heading path) from that
# offset on, sorted by offset; see qa.ingest.Loaded.locations.
Places = tuple[tuple[int, int | None, tuple[str, ...]], ...]


def places(locations: Mapping[int, Location]) -> Places:
    """A loader's locations as a DocInfo keeps them."""
    return tuple((int(o), loc.page, tuple(loc.headings)) for o, loc in sorted(locations.items()))


@dataclass(frozen=True)
class DocInfo:
    """What the store remembers of one document: where its rows are and how to spot a change."""

    path: str
    title: str
    size: int
    mtime_ns: int
    sha1: str  # of its decoded text: a file touched but not changed is not embedded again
    first: int  # first row of its sentences
    count: int
    # SHA-1 of the file's bytes, to tell a change that kept size and mtime; "" in a store
    # written before it was kept. Saved as meta.json's "file_sha1" list, beside "documents",
    # so a qa that does not know it still reads the store.
    file_sha1: str = ""
    # Pages and sections, as `places` makes them; saved as meta.json's "locations" list, beside
    # "documents", for the same reason as file_sha1. Empty for plain text.
    locations: Places = ()


def loaders_of(meta: Mapping[str, Any]) -> int:
    """The LOADERS_VERSION (qa.ingest) a store's files were read with, as its meta.json or a
    Milvus collection's state records it ("loaders"); 0 where it was not recorded, which
    counts as read by older loaders."""
    found = meta.get("loaders")
    return found if isinstance(found, int) and not isinstance(found, bool) else 0


class Store:
    """One complete generation, opened read-only; rows are sentences in document order."""

    def __init__(self, directory: Path, meta: dict[str, Any], arrays: dict[str, Any],
                 texts: bytes | memoryview, vocab: dict[str, int]) -> None:
        self.directory = directory
        self.meta = meta
        digests = meta.get("file_sha1")
        if not isinstance(digests, list) or len(digests) != len(meta["documents"]):
            digests = [""] * len(meta["documents"])
        found = meta.get("locations")
        if not isinstance(found, list) or len(found) != len(meta["documents"]):
            found = [[]] * len(meta["documents"])
        self.documents = [DocInfo(**d, file_sha1=str(h), locations=read_places(p))
                          for d, h, p in zip(meta["documents"], digests, found, strict=True)]
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
        # The documents of the store that the sync handing this one out compared the corpus
        # with (those of this one when it wrote nothing): what that sync changed is counted
        # from them, not from a store another process replaced meanwhile. None: not known.
        self.synced_from: list[DocInfo] | None = None
        # What that sync's listing of the corpus left out (a FIFO, a broken link, a link out of
        # it), path -> reason: `qa index` lists them with the files the store skipped.
        self.left_out: dict[str, str] = {}
        # Per-sentence arrays an analyzer added (e.g. speaker ids), by extras key.
        self.extra_arrays: dict[str, Any] = {
            k: arrays[f"x_{k}"] for k in meta.get("extra_arrays", []) if f"x_{k}" in arrays}
        # Derived files that failed load()'s check; not used until kept again.
        self._damaged: set[str] = set()
        # What a backend that searches itself offers (qa.index.backend): a VectorIndex
        # proposing nearest rows, and its BM25's best rows. None: the store's own indexes.
        self.dense: Any = None
        self.lexical: Callable[[tuple[str, ...], int], NDArray[np.int64]] | None = None
        # A store read a question at a time (qa.index.backend.Narrowed): Wanted -> Narrowed.
        self.narrow: Callable[[Any], Any] | None = None

    @property
    def count(self) -> int:
        return int(self.rows.shape[0])

    @property
    def loaders(self) -> int:
        """The LOADERS_VERSION (qa.ingest) its documents were read with, meta.json's "loaders";
        0 for a store written before it was kept, which counts as read by older loaders."""
        return loaders_of(self.meta)

    def text(self, row: int) -> str:
        lo, hi = int(self.offsets[row]), int(self.offsets[row + 1])
        return bytes(self._texts[lo:hi]).decode("utf-8")

    def sentence(self, row: int) -> Sentence:
        doc, passage, start, end = (int(x) for x in self.rows[row])
        return Sentence(self.text(row), self.documents[doc].path, passage, start, end)

    def document_of(self, row: int) -> DocInfo:
        return self.documents[int(self.rows[row, 0])]

    def location(self, row: int) -> Location:
        """The page and section of a row's sentence, where its document's format has them."""
        found = self.document_of(row).locations
        i = bisect.bisect_right([p[0] for p in found], int(self.rows[row, 2])) - 1
        return Location(found[i][1], found[i][2]) if i >= 0 else Location()

    # --- derived files -----------------------------------------------------------------------
    # Files made from a generation after it was written (an ANN index, an int8 copy of the
    # vectors, title cosines) live in its folder and are listed in its manifest, DERIVED, with
    # their size, mtime and CRC: what is not listed there, or does not match, is not used.

    def derived(self, name: str) -> Path | None:
        """The derived file `name` of this generation when it is listed and whole, else None."""
        if self.generation is None or name in self._damaged or not _derived_name(name, {}):
            return None
        entry = read_derived(self.generation).get(name)
        path = self.generation / name
        if not isinstance(entry, dict):
            return None
        try:
            return path if path.stat().st_size == entry["size"] else None
        except (OSError, KeyError):
            return None

    def keep(self, name: str, write: Callable[[Path], object]) -> Path | None:
        """Make the derived file `name` by `write(path)` and list it in the manifest.

        `write` must create one regular file at exactly the path it is given (a temporary name
        in the generation's folder ending in `name`, so a suffix-adding writer such as np.save
        adds nothing). The file is flushed and renamed into place, and the manifest updated
        under the store's lock, so two processes keeping files at once keep both. Returns its
        path, or None when the store has no generation or cannot be written (the caller then
        keeps what it made in memory); `write` is not called on a store that is read-only.

        Raises ValueError for a name that is not a plain file name, or names one of the
        generation's own files.
        """
        gen = self.generation
        if not _derived_name(name, self.meta.get("files", {})):
            raise ValueError(f"{name!r} cannot be a derived file name")
        if gen is None or not (_can_write(gen) and _can_write(self.directory)):
            return None
        tmp = gen / f".keep-{os.getpid()}-{time.time_ns()}-{name}"
        try:
            write(tmp)
            if not tmp.is_file() or tmp.is_symlink():
                raise ValueError(f"keep({name!r}): write() made no regular file at {tmp}")
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            entry = record(tmp)  # a rename keeps size and mtime
            with lock(self.directory):
                os.replace(tmp, gen / name)
                list_derived(gen, name, entry)
        except (OSError, StoreError):
            return None
        finally:
            with contextlib.suppress(OSError):
                if tmp.is_dir() and not tmp.is_symlink():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
        self._damaged.discard(name)
        return gen / name

    # --- reading -----------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path, model: str, verify: bool = True) -> Store | None:
        """The current generation, or None when there is none yet.

        Raises StoreMismatchError for another model or format, StoreCorruptError for damage
        (GenerationMissingError when CURRENT names a generation that is gone, which a writer
        replacing it may have caused a moment ago: read again), StorePermissionError for a
        file the user may not read. With `verify`, each file is checked against its record; a
        damaged derived file is left unused, never an error.
        """
        try:
            return cls._load(directory, model, verify)
        except PermissionError as exc:  # not damage: rebuilding would not help, nor be allowed
            raise denied(directory, exc, "read") from None

    @classmethod
    def _load(cls, directory: Path, model: str, verify: bool) -> Store | None:
        try:
            name = (directory / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except PermissionError:
            raise
        except NotADirectoryError:  # not damage: the path names a file, which must stay as it is
            raise not_a_folder(directory) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StoreCorruptError(f"unreadable CURRENT file ({exc})") from None
        gen = directory / name
        if "/" in name or not name.startswith(PREFIX):
            raise StoreCorruptError("CURRENT names no generation")
        if not gen.is_dir():
            raise GenerationMissingError(f"CURRENT names {name}, which is missing")
        try:
            meta = json.loads((gen / META).read_text(encoding="utf-8"))
        except PermissionError:
            raise
        except (OSError, ValueError) as exc:
            raise StoreCorruptError(f"unreadable meta.json ({exc.__class__.__name__})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else None
            raise StoreMismatchError(f"was written in store format {found}, this qa reads {FORMAT}")
        if meta.get("model") != model:
            raise StoreMismatchError(f"was built with model {meta.get('model')}, not {model}")
        try:
            if verify:
                for file, expected in meta["files"].items():
                    if problem := check(gen / file, expected):
                        raise ValueError(problem)
            names = list(ARRAYS) + [f"x_{k}" for k in meta.get("extra_arrays", [])]
            arrays = {k: np.load(gen / f"{k}.npy", mmap_mode="r", allow_pickle=False)
                      for k in names}
            texts = _map_bytes(gen / TEXTS)
            vocab = json.loads((gen / VOCAB).read_text(encoding="utf-8"))
            n = int(meta["count"])
            _check_shapes(arrays, n, int(meta["dim"]), len(meta["documents"]), len(texts))
        except PermissionError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreCorruptError(f"damaged files ({exc})") from None
        store = cls(directory, meta, arrays, texts, vocab)
        store.generation = gen
        if verify:
            store._damaged = {name for name, entry in read_derived(gen).items()
                              if not isinstance(entry, dict) or _derived_problem(gen / name, entry)}
        return store


def read_places(raw: Any) -> Places:
    """A document's locations as JSON keeps them (meta.json, a Milvus store's meta), read
    back; nothing for what does not parse."""
    try:
        return tuple((int(o), None if p is None else int(p), tuple(str(h) for h in hs))
                     for o, p, hs in raw)
    except (TypeError, ValueError):
        return ()


def _derived_name(name: str, own: dict[str, Any]) -> bool:
    """Whether `name` can name a derived file: a plain, visible file name not taken."""
    return (bool(name) and name == Path(name).name and not name.startswith(".")
            and "\\" not in name and name not in (META, DERIVED) and name not in own)


def _derived_problem(path: Path, entry: dict[str, Any]) -> str:
    """Why a derived file cannot be used; one the user may not read is made again, like damage,
    since it is only a copy of what the generation holds."""
    try:
        return check(path, entry)
    except PermissionError as exc:
        return f"{path.name} cannot be read ({exc.strerror})"


def _can_write(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


def _map_bytes(path: Path) -> bytes | memoryview:
    if path.stat().st_size == 0:  # numpy cannot map an empty file
        return b""
    return np.memmap(path, dtype=np.uint8, mode="r").data


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


__all__ = ["DocInfo", "Places", "Store", "loaders_of", "places"]
