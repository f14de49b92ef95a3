"""Listing a corpus: which files under the given paths are documents to read.

Folders are walked recursively (each folder once, so a symlink loop ends), hidden files and
folders are left out, and anything that cannot be read as a file - a broken link, a FIFO, an
unreadable folder - gets a one-line notice instead of stopping the listing.

A link inside a corpus folder is followed only when its target lies inside the corpus paths:
otherwise a link such as `leak.txt -> /etc/passwd` would put any file qa can read into the
answers (and, served, onto the network). `follow_links` lifts that; a path named as corpus is
the user's choice and is always followed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Self

from qa.errors import CorpusError

Notify = Callable[[str], None]


class Skipped(str):
    """A listing's notice that it left a path out, "skipped PATH: REASON", which keeps the path
    and the reason apart for whoever counts them (`qa index`'s summary)."""

    path: str
    reason: str

    def __new__(cls, path: str | os.PathLike[str], reason: str) -> Self:
        notice = super().__new__(cls, f"skipped {path}: {reason}")
        notice.path, notice.reason = os.fspath(path), reason
        return notice


class SkipFile(Exception):
    """A file that cannot be indexed; the message says why, for a one-line warning.

    Not a QAError: it never leaves qa. The indexer turns it into a notice and goes on.
    """


def list_files(
    paths: Iterable[Path], extensions: tuple[str, ...], notify: Notify,
    follow_links: bool = False,
) -> list[Path]:
    """Every readable document under `paths` (files or folders, recursively), sorted, unique.

    Explicit files of another type, symlink loops, unreadable folders and (unless
    `follow_links`) links leading out of `paths` get a warning.
    """
    roots = [Path(root) for root in paths]
    for root in roots:
        if not root.exists():
            raise CorpusError(f"corpus path {root} does not exist - check the path")
    inside = None if follow_links else _Inside(roots)
    found: dict[str, Path] = {}
    for root in roots:
        if not root.is_dir() and not root.is_file():
            notify(Skipped(root, "not a regular file or folder"))
            continue
        if root.is_file():
            if root.suffix.lower() in extensions:
                found.setdefault(str(root.resolve()), root.resolve())
            else:
                kinds = ", ".join(extensions)
                notify(Skipped(root, f"not a {kinds} file"))
            continue
        for path in _walk(root, extensions, notify, inside):
            found.setdefault(str(path), path)
    return [found[key] for key in sorted(found)]


class _Inside:
    """Whether a link's target lies in one of the corpus paths (each resolved, links and all)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [os.path.realpath(root) for root in roots]

    def __call__(self, link: str) -> bool:
        target = os.path.realpath(link)
        return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)


def _outside(link: str) -> str:
    """Why a link is skipped, for its notice."""
    return (f"links to {os.path.realpath(link)}, outside the corpus - set follow_links: true "
            "in the config to read it")


def _loop(folder: str) -> bool:
    """Whether `folder` leads back to a folder that holds it (a link to "." or "..")."""
    here = os.path.realpath(folder)
    return os.path.commonpath([os.path.realpath(os.path.dirname(folder)), here]) == here


def _walk(root: Path, extensions: tuple[str, ...], notify: Notify,
          inside: _Inside | None) -> Iterator[Path]:
    """Depth first, each folder's entries in name order. os.scandir's entries carry their type,
    so a plain file costs no system call, and its resolved path is its folder's plus its name:
    the BBC corpus lists in a tenth of the time that resolving every path took."""
    seen: set[tuple[int, int]] = set()

    def allowed(path: str) -> bool:
        if inside is None or inside(path):
            return True
        notify(Skipped(path, _outside(path)))
        return False

    pending = [str(root)]
    while pending:
        folder = pending.pop()
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:  # read already; a second way in is no news
                if _loop(folder):
                    notify(Skipped(folder, "symlink loop (folder already visited)"))
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            notify(Skipped(exc.filename or folder, f"cannot read folder ({exc.strerror})"))
            continue
        real = os.path.realpath(folder)
        files = []
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is(entry.is_dir):
                if not _is(entry.is_symlink) or allowed(entry.path):
                    subfolders.append(entry.path)
            elif Path(entry.name).suffix.lower() in extensions:
                files.append(entry)
        for entry in files:
            if _is(entry.is_file):
                if not _is(entry.is_symlink):
                    yield Path(real, entry.name)
                elif allowed(entry.path):
                    yield Path(entry.path).resolve()
            elif _is(entry.is_symlink):
                notify(Skipped(entry.path, "broken symlink or symlink loop"))
            elif os.path.exists(entry.path):  # a FIFO or device: reading it could block forever
                notify(Skipped(entry.path, "not a regular file"))
        pending.extend(reversed(subfolders))


def _is(test: Callable[[], bool]) -> bool:
    """A DirEntry type test, False when it fails (a link loop, a file gone since listing)."""
    try:
        return test()
    except OSError:
        return False


def read_bytes(path: Path, max_bytes: int, follow_links: bool = True) -> bytes:
    """A listed file's bytes; SkipFile says why they cannot be used.

    The size limit is decided from the open file's size before reading it, and only a regular
    file is read (a FIFO swapped in after listing could block forever). Without `follow_links`,
    a file that became a link after it was listed is not read.
    """
    try:
        fd = _open(path, follow_links)
        try:
            size = os.fstat(fd).st_size
            if size > max_bytes:
                raise SkipFile(f"{size / 2**20:.1f} MB is over the {max_bytes / 2**20:g} MB "
                               "limit (max_file_mb)")
            blocks = []
            left = max_bytes + 1
            while left > 0 and (block := os.read(fd, min(left, 1 << 24))):
                blocks.append(block)
                left -= len(block)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise SkipFile("file disappeared while indexing") from None
    except OSError as exc:
        raise SkipFile(f"cannot read ({exc.strerror or exc})") from None
    data = b"".join(blocks)
    if len(data) > max_bytes:
        raise SkipFile(f"over the {max_bytes / 2**20:g} MB limit (max_file_mb)")
    return data


def file_digest(path: Path, follow_links: bool = True) -> str:
    """SHA-1 of a file's bytes ("" when it cannot be read): tells a change that kept the file's
    size and modification time. SHA-1 was the fastest of the hashes measured (see
    qa/index/sync.py, CONTENT_CHECK_SECONDS)."""
    digest = hashlib.sha1()
    try:
        fd = _open(path, follow_links)
    except (OSError, SkipFile):
        return ""
    try:
        # A small file in one read (hashlib.file_digest's 256 KB buffer per file costs more
        # than hashing a news story); a large one through a buffer read into again and again.
        block = os.read(fd, 1 << 16)
        digest.update(block)
        if len(block) == 1 << 16:
            buffer = bytearray(1 << 20)
            view = memoryview(buffer)
            while n := os.readv(fd, [buffer]):
                digest.update(view[:n])
    except OSError:
        return ""
    finally:
        os.close(fd)
    return digest.hexdigest()


def _open(path: Path, follow_links: bool) -> int:
    """A descriptor of a regular file, opened without blocking on a FIFO; SkipFile for anything
    else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if not follow_links and os.path.islink(path):
            raise SkipFile("became a symlink after it was listed") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise SkipFile("is a folder" if stat.S_ISDIR(mode) else "not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


__all__ = ["Notify", "SkipFile", "Skipped", "file_digest", "list_files", "read_bytes"]
