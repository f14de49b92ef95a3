"""What checking a corpus's content costs: the numbers behind qa/index/sync.py's
HASH_SECONDS_PER_FILE, HASH_BYTES_PER_SECOND and CONTENT_CHECK_SECONDS.

    .venv/bin/python benchmarks/hash_cost.py [CORPUS]      # default: the BBC news corpus

For each candidate hash (hashlib's SHA-1, read in blocks as qa does and by hashlib.file_digest,
BLAKE2b, MD5, zlib's CRC-32, and xxHash's XXH3 when the xxhash package is importable), best of
several runs:
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

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "corpora" / "bbc-news" / "news"


def _hashlib(name: str) -> Callable[[Path], object]:
    def digest(path: Path) -> object:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, name).hexdigest()
    return digest


def _hashlib_blocks(name: str) -> Callable[[Path], object]:
    """As qa.ingest.file_digest: read() in blocks, so a small file costs one small buffer
    (hashlib.file_digest allocates 256 KB per file, which dominates for news-sized files)."""
    def digest(path: Path) -> object:
        h = hashlib.new(name)
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
        return h.hexdigest()
    return digest


def _crc32(path: Path) -> object:
    value = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            value = zlib.crc32(block, value)
    return value


def _read(path: Path) -> object:
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass
    return None


def candidates() -> dict[str, Callable[[Path], object]]:
    found: dict[str, Callable[[Path], object]] = {
        "read only": _read, "sha1 (qa)": _hashlib_blocks("sha1"),
        "sha1 file_digest": _hashlib("sha1"), "blake2b": _hashlib_blocks("blake2b"),
        "md5": _hashlib_blocks("md5"), "crc32": _crc32}
    try:
        import xxhash

        def xxh3(path: Path) -> object:
            with open(path, "rb") as f:
                return hashlib.file_digest(f, xxhash.xxh3_128).hexdigest()
        found["xxh3_128"] = xxh3
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
        cold = best(files, candidates()["sha1 (qa)"], 1)
        print(f"\nsha1, corpus cold (pages dropped first): {cold * 1e3:.0f} ms")
    finally:
        shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
