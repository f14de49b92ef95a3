"""A store directory's files: the layout, the lock, the checks, and the manifests.

    CURRENT            name of the complete generation to read (replaced atomically)
    lock               held while a process writes (a new generation, a derived file)
    gen-000007/        one complete generation:
      meta.json          format, model, counts, documents, the loaders version they were read
                         with, and `files`: every array written with it, by size, mtime, CRC-32
      *.npy texts.bin vocab.json   the files `files` lists
      derived.json       files made from the generation later (an ANN index, an int8 copy of
                         the vectors, title cosines), by size, mtime and CRC-32
    partial/           vectors a sync cut short kept for the next (qa.index.embedding); gone
                       once a generation is published or a sync finds nothing to embed

A generation is written under a temporary name (tmp-*), flushed, renamed, and only then named
in CURRENT, so a reader (or a process killed mid-write) sees the old complete store or the new
one. Every file a generation holds is listed in one of its two manifests; what is not listed,
or does not match its record, is not used.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from qa.disk import fsync_dir, replace_file
from qa.errors import StoreError, StorePermissionError

FORMAT = 1
CURRENT = "CURRENT"
META = "meta.json"
DERIVED = "derived.json"
TEXTS = "texts.bin"
VOCAB = "vocab.json"
ARRAYS = ("vectors", "offsets", "rows", "title_vectors", "lex_idf", "lex_indptr", "lex_rows",
          "lex_weights")
PREFIX = "gen-"
LOCK = "lock"  # the file writers take turns on
PARTIAL = "partial"  # vectors of a sync under way, kept for a run cut short (qa.index.embedding)
# How to name another store folder, in messages that CLI and library users alike read.
OTHER_STORE = "--store DIR, or store= in the library"

FileRecord = dict[str, int]  # size, mtime_ns, crc32


def current_name(directory: Path) -> str | None:
    """The generation CURRENT names, or None when it is missing or unreadable."""
    try:
        return (directory / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


# What qa writes in a store's folder: a folder holding anything else (hidden files aside) and
# none of these is someone else's, and qa writes nothing there ("--store ~/Documents").
_OWN = (CURRENT, LOCK, PARTIAL)
_OWN_PREFIXES = (PREFIX, "tmp-")


def _ours(directory: Path) -> bool:
    """Whether qa may write in `directory`: it is missing, empty (but for hidden files), or
    holds something qa wrote there."""
    try:
        names = [p.name for p in directory.iterdir()]
    except OSError:  # missing, a file, or unreadable: the caller's own errors say which
        return True
    shown = [n for n in names if not n.startswith(".")]
    return not shown or any(n in _OWN or n.startswith(_OWN_PREFIXES) for n in names)


def make_folder(directory: Path) -> None:
    """Make a store's folder, or say in one line why `directory` cannot be one: a file, a
    folder of someone else's files, or a place the user cannot write."""
    if not _ours(directory):
        raise StoreError(f"store {directory} is a folder of other files, not one qa made - "
                         f"choose a new or empty folder for the store ({OTHER_STORE})")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # the path, or a folder above it, is a file
        raise not_a_folder(directory) from None
    except OSError as exc:
        if isinstance(exc, PermissionError) and directory.is_dir():
            raise denied(directory, exc, "write") from exc
        raise StoreError(f"store {directory} cannot be created ({exc.strerror or exc}) - "
                         f"choose a store folder where you can write ({OTHER_STORE})") from exc


def not_a_folder(directory: Path) -> StoreError:
    """The error for a store path that is a file, or lies under one (`afile/sub`): names the
    file, which is left as it is."""
    file = next((p for p in (directory, *directory.parents)
                 if p.exists() and not p.is_dir()), directory)
    what = (f"store {directory} is a file" if file == directory
            else f"store {directory} cannot be created: {file} is a file")
    return StoreError(f"{what}, not a folder - choose a folder for the store, new or made by qa "
                      f"({OTHER_STORE})")


# How long a writer waits for the lock before saying so (`lock`'s `waiting`): a process keeping
# a derived file holds it for a few milliseconds, which is not worth a line; another qa
# indexing holds it for as long as embedding takes (minutes on a big corpus).
WAIT_NOTICE_SECONDS = 1.0


@contextlib.contextmanager
def lock(directory: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock: a second writer waits here, then finds the work already done.

    `waiting` is called once when another process has held the lock for WAIT_NOTICE_SECONDS
    of this one's wait, which then goes on waiting.
    """
    import fcntl

    make_folder(directory)
    try:
        handle = open(directory / LOCK, "a+b")  # noqa: SIM115 - closed by the with below
    except PermissionError as exc:
        raise denied(directory, exc, "write") from exc
    except OSError as exc:
        raise StoreError(f"store {directory} cannot be written ({exc.strerror or exc}) - "
                         f"choose a store folder where you can write ({OTHER_STORE})") from exc
    with handle:
        try:
            _acquire(handle.fileno(), waiting)
        except OSError as exc:  # a file system without locks (some network mounts)
            raise StoreError(f"store {directory} cannot be locked ({exc.strerror or exc}) - "
                             f"choose a store folder on a local disk ({OTHER_STORE})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def drop_partial(directory: Path) -> None:
    """Remove the vectors a sync cut short kept in partial/ (qa.index.embedding) for the next,
    unless another process holds the lock: it may be embedding into it now."""
    import fcntl

    folder = directory / PARTIAL
    if not folder.exists():
        return
    try:
        with open(directory / LOCK, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # closing the file lets go
            shutil.rmtree(folder, ignore_errors=True)
    except OSError:  # busy, or a store this user cannot write: left for a later run
        pass


def _acquire(fd: int, waiting: Callable[[], None] | None) -> None:
    """flock(fd) exclusively; `waiting()` once it has been busy for WAIT_NOTICE_SECONDS."""
    import fcntl

    if waiting is not None:
        deadline = time.monotonic() + WAIT_NOTICE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
        waiting()
    fcntl.flock(fd, fcntl.LOCK_EX)


def denied(directory: Path, exc: PermissionError, doing: str) -> StorePermissionError:
    """The error for a store file the user may not read or write (`doing`), with the fix."""
    where = exc.filename or directory
    return StorePermissionError(
        f"cannot {doing} store {directory} (permission denied on {where}) - make it "
        f"{'readable' if doing == 'read' else 'writable'} to your user (its owner can run "
        f"chmod -R u+rwX {directory}) or choose another store folder ({OTHER_STORE})")


def crc(path: Path) -> int:
    value = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            value = zlib.crc32(block, value)
    return value


def record(path: Path) -> FileRecord:
    """What a manifest remembers of a file just written, to tell later whether it changed."""
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "crc32": crc(path)}


def check(path: Path, expected: dict[str, Any]) -> str:
    """Why `path` no longer matches its record ("" when it does); PermissionError passes.

    Sizes always; the CRC only when the mtime moved since it was written, so an unchanged
    store opens without reading its arrays. A record without mtime or CRC is checked by size.
    """
    try:
        st = path.stat()
        if st.st_size != expected["size"]:
            return f"{path.name} is {st.st_size} bytes, expected {expected['size']}"
        if ("crc32" in expected and st.st_mtime_ns != expected.get("mtime_ns")
                and crc(path) != expected["crc32"]):
            return f"{path.name} fails its checksum"
    except PermissionError:  # not damage: the caller names it
        raise
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    except (KeyError, TypeError):
        return f"{path.name} has an unreadable record"
    return ""


def read_derived(gen: Path) -> dict[str, Any]:
    """A generation's manifest of derived files ({} when it has none or it is unreadable)."""
    try:
        data = json.loads((gen / DERIVED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def list_derived(gen: Path, name: str, entry: FileRecord) -> None:
    """Add (or replace) `name` in the manifest of derived files; call it under `lock`."""
    manifest = read_derived(gen)
    manifest[name] = entry
    replace_file(gen / DERIVED, json.dumps(manifest, indent=1, sort_keys=True).encode())
    fsync_dir(gen)


def publish(directory: Path, tmp: Path) -> Path:
    """Make the complete generation written in `tmp` the current one; returns its folder.

    The generation just replaced is kept (a reader may still be opening it); older ones go.
    """
    previous = current_name(directory)
    numbers = [int(p.name[len(PREFIX):]) for p in directory.glob(f"{PREFIX}*")
               if p.name[len(PREFIX):].isdigit()]
    gen = directory / f"{PREFIX}{max(numbers, default=0) + 1:06d}"
    os.rename(tmp, gen)
    try:
        fsync_dir(directory)
        replace_file(directory / CURRENT, gen.name.encode())
    except BaseException:  # CURRENT still names the old generation: the new one is litter
        if current_name(directory) != gen.name:
            shutil.rmtree(gen, ignore_errors=True)
        raise
    fsync_dir(directory)
    for stale in directory.glob(f"{PREFIX}*"):
        if stale.name not in (gen.name, previous):
            shutil.rmtree(stale, ignore_errors=True)
    return gen


__all__ = ["ARRAYS", "CURRENT", "DERIVED", "FORMAT", "META", "OTHER_STORE", "PREFIX", "TEXTS",
           "VOCAB", "WAIT_NOTICE_SECONDS", "FileRecord", "check", "crc", "current_name", "denied",
           "drop_partial", "list_derived", "lock", "make_folder", "publish", "read_derived",
           "record"]
