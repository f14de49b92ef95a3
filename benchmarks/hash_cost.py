"""What checking a corpus's content costs: the numbers behind qa/index/sync.py's
HASH_SECONDS_PER_FILE, HASH_BYTES_PER_SECOND and CONTENT_CHECK_SECONDS.

    .venv/bin/python benchmarks/hash_cost.py [CORPUS]      # default: the BBC news corpus

For each candidate hash (qa's own SHA-1, qa.ingest.file_digest; hashlib's SHA-1 by
hashlib.file_digest, which allocates 256 KB per file; BLAKE2b, MD5, zlib's CRC-32, and xxHash's
XXH3 when the xxhash package is importable), best of several runs:
- per file: 2,000 one-byte files (open, read, hash, close), the cost of many small files;
- throughput: eight 16 MB files, the cost of bytes;
- the corpus: every file, warm (from the page cache), against the estimate of the two above;
and for qa's hash, the corpus cold: each file's pages dropped (posix_fadvise) first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.ingest import file_digest

BBC = ROOT.parent / "shared" / "corpora" / "bbc-news" / "news"


class _Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | memoryview) -> None:
        self.value = zlib.crc32(data, self.value)


class _Nothing:
    def update(self, data: bytes | memoryview) -> None:
        pass


def _reading(make: Callable[[], Any]) -> Callable[[Path], object]:
    """A hash read as qa.ingest.file_digest reads (one os.read for a small file), so that only
    the hash differs between candidates."""
    def digest(path: Path) -> object:
        h = make()
        fd = os.open(path, os.O_RDONLY)
        try:
            while block := os.read(fd, 1 << 20):
                h.update(block)
        finally:
            os.close(fd)
        return h
    return digest


def _file_digest(path: Path) -> object:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha1").hexdigest()


def candidates() -> dict[str, Callable[[Path], object]]:
    found: dict[str, Callable[[Path], object]] = {
        "read only": _reading(_Nothing), "sha1 (qa.ingest.file_digest)": file_digest,
        "sha1": _reading(hashlib.sha1), "sha1 by hashlib.file_digest": _file_digest,
        "blake2b": _reading(hashlib.blake2b), "md5": _reading(hashlib.md5),
        "crc32": _reading(_Crc32)}
    try:
        import xxhash

        found["xxh3_128"] = _reading(xxhash.xxh3_128)
    except ImportError:
        pass
    return found


def best(files: list[Path], fn: Callable[[Path], object], runs: int) -> float:
    fastest = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for path in files:
            fn(path)
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def drop_from_cache(files: list[Path]) -> None:
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else BBC
    if not corpus.is_dir():
        sys.exit(f"no corpus at {corpus}")
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    scratch = Path(tempfile.mkdtemp())
    try:
        small = [scratch / f"s{i}.txt" for i in range(2000)]
        for path in small:
            path.write_bytes(b"x")
        large = [scratch / f"l{i}.bin" for i in range(8)]
        for path in large:
            path.write_bytes(os.urandom(16 << 20))
        print(f"{corpus}: {len(files):,} files, {total / 1e6:.1f} MB\n")
        print("| hash | per file | throughput | corpus warm | estimate |")
        print("|---|---|---|---|---|")
        for name, fn in candidates().items():
            per_file = best(small, fn, 7) / len(small)
            throughput = sum(p.stat().st_size for p in large) / best(large, fn, 3)
            warm = best(files, fn, 7)
            estimate = len(files) * per_file + total / throughput
            print(f"| {name} | {per_file * 1e6:.1f} us | {throughput / 1e9:.2f} GB/s | "
                  f"{warm * 1e3:.1f} ms | {estimate * 1e3:.1f} ms |")
        drop_from_cache(files)
        cold = best(files, candidates()["sha1 (qa.ingest.file_digest)"], 1)
        print(f"\nsha1, corpus cold (pages dropped first): {cold * 1e3:.0f} ms")
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
