"""Does a filter (`--in`, `within=`) cost anything? Warm `Bot.ask` on the cached WikiQA store
(benchmarks/quality.py makes it), with no filter, half the documents, and one document, each
question asked all three ways in turn so the machine's load falls on all alike.

    python benchmarks/within.py        prints a table
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from versions import versions

from qa import Bot

CACHE = ROOT / "benchmarks" / ".cache" / "wikiqa"


def main() -> int:
    if not (CACHE / "store").is_dir():
        print(f"skipped: no WikiQA store in {CACHE} - run benchmarks/quality.py first")
        return 0
    docs = sorted((CACHE / "docs").iterdir())
    bot = Bot.from_config(ROOT / "config.yaml", corpus=[str(CACHE / "docs")],
                          store=str(CACHE / "store"), notify=lambda _: None)
    questions = [bot.store.text(r) for r in range(0, bot.store.count, 33)][:200]
    filters = {"none": None, f"half the documents ({len(docs) // 2})":
               [str(p) for p in docs[: len(docs) // 2]], "one document": [str(docs[0])]}
    for within in filters.values():
        bot.ask(questions[0], within=within)
    times: dict[str, list[float]] = {name: [] for name in filters}
    for q in questions:
        for name, within in filters.items():
            started = time.perf_counter()
            bot.ask(q, within=within)
            times[name].append(time.perf_counter() - started)
    print(f"warm Bot.ask, {len(questions)} questions, {bot.store.count:,} sentences\n")
    print("| filter | p50 | p95 |\n|---|---|---|")
    for name, ts in times.items():
        ts.sort()
        print(f"| {name} | {statistics.median(ts) * 1000:.1f} ms | "
              f"{ts[int(len(ts) * 0.95)] * 1000:.1f} ms |")
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {versions()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
