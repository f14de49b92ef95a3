"""Files written whole or not at all: what every part of qa that writes to disk relies on."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def replace_file(path: Path, data: bytes) -> None:
    """Put `data` at `path` whole or not at all: written beside it under a temporary name,
    flushed to disk, then renamed over it, so a reader sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{time.time_ns()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = ["fsync_dir", "replace_file"]
