"""The Milvus store against the local one, in one run: sync time, warm question latency at the
BBC corpus's size and at 200,000 rows, one-shot `qa -q` time, and answer parity.

    PYTHONPATH=$PWD python benchmarks/milvus.py            # everything (about an hour on 2 cores)
    ... --parts=parity,latency,sync,oneshot                 # some parts

Needs ../shared (the BBC corpus, the eval sets) and the `milvus` extra; the local stores are the
ones benchmarks/quality.py caches in benchmarks/.cache. Parity and latency read Milvus "per
question" (milvus_mirror_below 0: no copy of the rows, as a collection of 200,000 rows and more
is read). Sync: the local sync of BBC with the real model is timed (--embed=sample: embedding
timed on 4,000 sentences and scaled); Milvus's overhead is what a Milvus sync adds over a local
one, both with vectors looked up in the cached store, so the embedding both share is not timed
twice."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quality import CACHE, EVAL, SHARED, dev_set, log, ranks, right_fn, wikiqa

from qa import Bot
from qa.config import Settings
from qa.embed import Embedder
from qa.index import Store
from qa.rank.weights import FULL_SCAN_BELOW
from qa.text import clean_question

MIRROR_BELOW = Settings.milvus_mirror_below
BBC = SHARED / "corpora" / "bbc-news" / "news"
WORK = CACHE.parent / ".cache-milvus"  # its Milvus Lite files and copies; not in .cache


class LookupEncoder:
    """Vectors of texts a cached store already embedded (the same model, so the same vectors);
    anything else is embedded for real."""

    def __init__(self, embedder: Embedder, stores: list[Store]) -> None:
        self.embedder = embedder
        self.identity = embedder.identity
        self.known: dict[str, NDArray[np.float32]] = {}
        for store in stores:
            for r in range(store.count):
                self.known.setdefault(store.text(r), store.vectors[r])
            for d, doc in enumerate(store.documents):
                self.known.setdefault(doc.title, store.title_vectors[d])
        self.embedded = 0

    def encode(self, texts: list[str], progress: bool = False) -> NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.embedded += len(missing)
            for t, v in zip(missing, self.embedder.encode(missing), strict=True):
                self.known[t] = v
        return np.stack([self.known[t] for t in texts]).astype(np.float32)

    def encode_query(self, text: str) -> NDArray[np.float32]:
        return self.embedder.encode_query(text)


def local_bot(name: str, corpus: Path, **kw: Any) -> Bot:
    return Bot.from_config(ROOT / "config.yaml", corpus=[str(corpus)],
                           store=str(CACHE / name / "store"), notify=log, **kw)


def timed_sync(bot: Bot) -> float:
    started = time.perf_counter()
    bot.reindex()
    return time.perf_counter() - started


# --- parts -----------------------------------------------------------------------------------

def parity(rows: list[list[str]], only: tuple[str, ...] = ("seed", "bbc", "wikiqa"),
           ways: tuple[str, ...] = ("per question", "as configured", "through candidates")
           ) -> None:
    """Top-1 and Hit@1 of the local store against Milvus Lite: "per question" reads each
    question's rows from Milvus (milvus_mirror_below 0, as a collection of 200,000 rows and
    more is read), "as configured" through the mirror, "through candidates" through the mirror
    with Milvus's searches proposing candidates."""
    wiki_docs, wiki_q = wikiqa()
    sets = [("seed", ROOT / "seeds", dev_set("seed_dev.jsonl"), False),
            ("bbc", BBC, dev_set("bbc_dev.jsonl"), False),
            ("wikiqa", wiki_docs, wiki_q, True)]
    for name, corpus, questions, sentence_gold in sets:
        if name not in only:
            continue
        local = local_bot(name, corpus)
        encoder = LookupEncoder(local.embedder, [local.store])
        db = WORK / f"{name}.db"
        for how in ways:
            remote = Bot(corpus=corpus, store=f"milvus://{db}", notify=lambda _: None,
                         embedder=encoder,  # type: ignore[arg-type]
                         milvus_mirror_below=0 if how == "per question" else MIRROR_BELOW)
            remote.reindex()
            if how == "through candidates":  # as a store over FULL_SCAN_BELOW is scored
                local.retriever.full_scan_below = remote.retriever.full_scan_below = 0
            tops = []
            hit = {}
            for label, bot in (("local", local), ("milvus", remote)):
                top = []
                for q in questions:
                    hits = bot.retriever.search(clean_question(q.text), 1)
                    top.append([hits[0].row] if hits else [])
                tops.append(top)
                right = right_fn(local, sentence_gold)  # rows are numbered alike
                from quality import Run

                rank = ranks(Run(top, [0.0] * len(top), None), questions, right)
                answerable = [r for r in rank if r >= 0]
                hit[label] = sum(1 for r in answerable if r == 1) / max(len(answerable), 1)
            remote.backend.close()  # type: ignore[attr-defined]
            local.retriever.full_scan_below = FULL_SCAN_BELOW
            same = sum(1 for a, b in zip(*tops, strict=True) if a == b) / len(questions)
            rows.append([f"parity {name} ({how})", f"{len(questions)} questions",
                         f"top-1 equal {same:.1%}",
                         (f"Hit@1 local {hit['local']:.3f} milvus {hit['milvus']:.3f} "
                          f"(diff {abs(hit['local'] - hit['milvus']):.3f})")])
            log(" | ".join(rows[-1]))


def sync_times(rows: list[list[str]], embed: str = "full") -> None:
    """BBC synced into an empty store: locally with the real model (the time a user waits),
    and, with vectors looked up, locally and into Milvus Lite (mirrored, and read a question at
    a time): Milvus's overhead is the difference, against the local sync with embedding. With
    embed="sample", embedding is timed on the first 4,000 sentences and scaled."""
    local = local_bot("bbc", BBC)
    store = local.store
    encoder = LookupEncoder(local.embedder, [store])
    quiet = lambda _: None
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        if embed == "full":
            t_embedded = timed_sync(Bot(corpus=BBC, store=Path(tmp) / "embedded", notify=quiet,
                                        embedder=local.embedder))
            how = "measured: the whole corpus embedded"
        else:
            started = time.perf_counter()
            texts = [store.text(r) for r in range(min(store.count, 4000))]
            local.embedder.encode(texts)
            per_row = (time.perf_counter() - started) / len(texts)
            t_embedded = None
            how = f"embedding of {len(texts):,} sentences scaled to the corpus"
        t_local = timed_sync(Bot(corpus=BBC, store=Path(tmp) / "local", notify=quiet,
                                 embedder=encoder))  # type: ignore[arg-type]
        if t_embedded is None:
            t_embedded = t_local + per_row * (store.count + len(store.documents))
        times = {}
        for label, below in (("mirrored", MIRROR_BELOW), ("per question", 0)):
            remote = Bot(corpus=BBC, store=f"milvus://{Path(tmp) / f'{below}.db'}",
                         notify=quiet, embedder=encoder,  # type: ignore[arg-type]
                         milvus_mirror_below=below)
            times[label] = (timed_sync(remote), timed_sync(remote))
            remote.backend.close()  # type: ignore[attr-defined]
    log(f"sync: local with embedding {t_embedded:.1f} s ({how}); without embedding local "
        f"{t_local:.1f} s, milvus {times}")
    rows.append(["sync BBC, local with embedding", f"{store.count:,} rows",
                 f"{t_embedded:.0f} s", how])
    rows.append(["sync BBC, vectors looked up", "", f"local {t_local:.1f} s", ""])
    for label, (first, again) in times.items():
        rows.append([f"sync BBC into Milvus Lite ({label})", "vectors looked up",
                     f"{first:.1f} s (+{first - t_local:.1f} s)",
                     (f"overhead {(first - t_local) / t_embedded:.0%} of the local sync; "
                     f"unchanged again {again:.2f} s")])
    for r in rows[-4:]:
        log(" | ".join(r))


def latency(rows: list[list[str]], sizes: tuple[int, ...] = (1, 5)) -> None:
    base = local_bot("bbc", BBC)
    encoder = LookupEncoder(base.embedder, [base.store])
    questions = [q.text for q in dev_set("bbc_dev.jsonl")]
    for copies in sizes:
        if copies == 1:
            corpus = BBC
        else:  # 200,000 rows: the BBC stories five times, under five folder names
            corpus = WORK / "bbc-x5"
            if not corpus.exists():
                for i in range(copies):
                    shutil.copytree(BBC, corpus / f"copy{i}")
        local = Bot(corpus=corpus, store=WORK / f"local-x{copies}", notify=lambda _: None,
                    embedder=encoder)  # type: ignore[arg-type]
        remote = Bot(corpus=corpus, store=f"milvus://{WORK / f'bbc-x{copies}.db'}",
                     notify=lambda _: None, embedder=encoder,  # type: ignore[arg-type]
                     milvus_mirror_below=0)  # read a question at a time
        for label, bot in (("local", local), ("milvus lite, per question", remote)):
            bot.reindex()
            bot.ask(questions[0])  # warm
            times = []
            for q in questions:
                started = time.perf_counter()
                bot.ask(q)
                times.append(time.perf_counter() - started)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            rows.append([f"warm latency {label}", f"{bot.store.count:,} rows",
                         f"p50 {1000 * statistics.median(times):.0f} ms",
                         f"p95 {1000 * p95:.0f} ms ({len(times)} questions)"])
            log(" | ".join(rows[-1]))
        remote.backend.close()  # type: ignore[attr-defined]


def one_shot(rows: list[list[str]]) -> None:
    db = WORK / "seed.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    by_question = WORK / "by-question.yaml"
    by_question.write_text("milvus_mirror_below: 0\n")
    for label, store, config in (
            ("local", str(CACHE / "seed" / "store"), ROOT / "config.yaml"),
            ("milvus lite, mirrored", f"milvus://{db}", ROOT / "config.yaml"),
            ("milvus lite, per question", f"milvus://{db}", by_question)):
        times = []
        for _ in range(4):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qa", "--config", str(config), "--corpus",
                            str(ROOT / "seeds"), "--store", store, "-q",
                            "What did Stoltenberg say about the KSF?"],
                           env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        rows.append([f"one-shot qa -q {label}", "seed store",
                     f"median {statistics.median(times[1:]):.2f} s", f"first {times[0]:.2f} s"])
        log(" | ".join(rows[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="parity,sync,oneshot,latency")
    parser.add_argument("--sets", default="seed,bbc,wikiqa", help="parity on these sets")
    parser.add_argument("--ways", default="per question,as configured",
                        help="parity these ways: per question, as configured, through "
                             "candidates (each costs Milvus Lite searches per question)")
    parser.add_argument("--embed", default="full", choices=("full", "sample"),
                        help="sync: embed the whole corpus for the local time, or a sample")
    parser.add_argument("--copies", default="1,5",
                        help="latency at these many copies of the BBC corpus (5: 200k rows)")
    args = parser.parse_args()
    if not EVAL.is_dir() or not BBC.is_dir():
        print(f"skipped: {EVAL} or {BBC} is not here (the benchmark needs ../shared)")
        return 0
    try:
        import milvus_lite  # noqa: F401
        import pymilvus  # noqa: F401
    except ImportError:
        print("skipped: pip install 'qa[milvus]' first")
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    sizes = tuple(int(c) for c in args.copies.split(","))
    ways = tuple(args.ways.split(","))
    parts = {"parity": lambda rows: parity(rows, tuple(args.sets.split(",")), ways),
             "sync": lambda rows: sync_times(rows, args.embed), "oneshot": one_shot,
             "latency": lambda rows: latency(rows, sizes)}
    for name in args.parts.split(","):
        parts[name](rows)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
