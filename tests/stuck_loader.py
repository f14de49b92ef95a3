"""A loader that never finishes, as a parser looping on a hostile file would (test_formats)."""

from __future__ import annotations

from pathlib import Path


class Stuck:
    """Spins forever: only a deadline outside the process ends it."""

    suffixes: tuple[str, ...] = (".stuck",)

    def load(self, path: Path, data: bytes) -> None:
        while True:
            pass
