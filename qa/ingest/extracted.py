"""Extraction results kept by content hash, so a PDF, Word file or web page is parsed once.

A file whose bytes were read before (the same SHA-1, whatever its name or mtime) gets its text,
title and locations back from a small JSON file instead of a parse: a folder of PDFs that was
touched, copied or rebuilt (`qa index --rebuild`) is read again in the time it takes to hash
it. JSON, not pickle: a cache file anyone could write must not be able to run code. Entries
are keyed by LOADERS_VERSION too, so a change to a loader's output is never hidden by a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from qa.ingest.loaders.base import Loaded, Location

# Bump when a loader's output changes: older entries are then not used, and a store records the
# version its documents were read with, so its next sync reads them again (qa.index.sync).
LOADERS_VERSION = 6


class ExtractionCache:
    """A folder of extraction results, one JSON file per file content."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, data: bytes, loader: str) -> Path:
        key = hashlib.sha1(data).hexdigest()
        return self.folder / key[:2] / f"{key}-{loader}-v{LOADERS_VERSION}.json"

    def get(self, data: bytes, loader: str) -> Loaded | None:
        """What `loader` made of these bytes before, or None."""
        try:
            raw = json.loads(self._path(data, loader).read_text(encoding="utf-8"))
            return Loaded(str(raw["text"]), str(raw["title"]),
                          {int(o): Location(p, tuple(h)) for o, p, h in raw["locations"]})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, data: bytes, loader: str, loaded: Loaded) -> None:
        """Keep `loaded` for these bytes; a cache that cannot be written is no error."""
        path = self._path(data, loader)
        record = {"text": loaded.text, "title": loaded.title,
                  "locations": [[o, loc.page, list(loc.headings)]
                                for o, loc in sorted(loaded.locations.items())]}
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(record), encoding="utf-8", errors="surrogatepass")
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


__all__ = ["LOADERS_VERSION", "ExtractionCache"]
