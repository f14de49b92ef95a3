"""Listing a corpus: which files under the given paths are documents to read.

Folders are walked recursively (following symlinks, each folder once, so a symlink loop ends),
hidden files and folders are left out, and anything that cannot be read as a file - a broken
link, a FIFO, an unreadable folder - gets a one-line notice instead of stopping the listing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from qa.errors import CorpusError

Notify = Callable[[str], None]


class SkipFile(Exception):
    """A file that cannot be indexed; the message says why, for a one-line warning.

    Not a QAError: it never leaves qa. The indexer turns it into a notice and goes on.
    """


def list_files(
    paths: Iterable[Path], extensions: tuple[str, ...], notify: Notify
) -> list[Path]:
    """Every readable document under `paths` (files or folders, recursively), sorted, unique.

    Explicit files of another type, symlink loops and unreadable folders get a warning.
    """
    found: dict[str, Path] = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise CorpusError(f"corpus path {root} does not exist - check the path")
        if not root.is_dir() and not root.is_file():
            notify(f"skipped {root}: not a regular file or folder")
            continue
        if root.is_file():
            if root.suffix.lower() in extensions:
                found.setdefault(str(root.resolve()), root.resolve())
            else:
                kinds = ", ".join(extensions)
                notify(f"skipped {root}: not a {kinds} file")
            continue
        for path in _walk(root, extensions, notify):
            found.setdefault(str(path), path)
    return [found[key] for key in sorted(found)]


def _walk(root: Path, extensions: tuple[str, ...], notify: Notify) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        notify(f"skipped {exc.filename}: cannot read folder ({exc.strerror})")

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            notify(f"skipped {folder}: symlink loop (folder already visited)")
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in extensions:
                continue
            path = Path(folder) / name
            if os.path.isfile(path):
                yield path.resolve()
            elif os.path.islink(path):
                notify(f"skipped {path}: broken symlink or symlink loop")
            elif os.path.exists(path):  # a FIFO or device: reading it could block forever
                notify(f"skipped {path}: not a regular file")


__all__ = ["Notify", "SkipFile", "list_files"]
