"""Compare two `quality.py --dump` files: the same top 5 for every question, or what differs.

    .venv/bin/python benchmarks/compare_answers.py before.jsonl after.jsonl

Prints one line per set (questions, identical top 5, identical scores) and each question
whose top 5 differ; exits 1 when any does. Scores may differ by `--tolerance` (default 1e-4:
float32 sums in another order) without counting as a change.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def _where(source: str) -> str:
    """A source path without the checkout it was read from (two checkouts, one corpus)."""
    parts = Path(source).parts
    for marker in ("seeds", "docs", "news"):  # the corpus folders quality.py reads
        if marker in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(marker) - 1:])
    return source


def _top(entry: dict[str, object]) -> list[tuple[str, str]]:
    return [(t[0], _where(t[1])) for t in entry["top5"]]  # type: ignore[attr-defined]


def load(path: str) -> dict[tuple[str, str], dict[str, object]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return {(d["set"], d["id"]): d for d in map(json.loads, filter(None, lines))}


def main(argv: list[str]) -> int:
    files = [a for a in argv if not a.startswith("--")]
    tolerance = float(next((a.split("=", 1)[1] for a in argv if a.startswith("--tolerance=")),
                           "1e-4"))
    if len(files) != 2:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    before, after = load(files[0]), load(files[1])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    changed = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        c = counts[key[0]]
        c[0] += 1
        if a is None or b is None:
            changed.append(f"{key}: only in {'after' if a is None else 'before'}")
            continue
        same_rows = _top(a) == _top(b)
        same_declined = a["declined"] == b["declined"]
        close = same_rows and all(abs(x[2] - y[2]) <= tolerance  # type: ignore[operator]
                                  for x, y in zip(a["top5"], b["top5"]))  # type: ignore
        c[1] += same_rows and same_declined
        c[2] += close
        if not (same_rows and same_declined):
            changed.append(f"{key}: {a['question']!r} top 5 or decision differ")
    print("| set | questions | identical top 5 and decision | identical scores (±tolerance) |")
    print("|---|---|---|---|")
    for name, (n, same, close) in sorted(counts.items()):
        print(f"| {name} | {n} | {same} | {close} |")
    for line in changed:
        print(line)
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
