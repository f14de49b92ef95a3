"""Fit the fusion weights and the abstain threshold: WikiQA even questions and the dev sets only.

    .venv/bin/python benchmarks/fit.py        # needs the stores benchmarks/quality.py caches

Prints the best weights (qa.retrieve.Weights) and, for them, the abstain threshold that
maximises answer-triggering F1 on the even WikiQA questions while declining the dev sets'
unanswerable questions. The odd WikiQA questions are never looked at here.
"""

from __future__ import annotations

import itertools
import pickle
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import (  # noqa: E402
    SHARED,
    Question,
    dev_set,
    make_bot,
    right_fn,
    wikiqa,
    ROOT,
)

from qa.retrieve import Features, Weights, fuse  # noqa: E402

POOL = 150
TRIALS = 6000
CACHE_FILE = Path(__file__).resolve().parent / ".cache" / "fit-items.pkl"
NAMES = [f.name for f in fields(Features)]


@dataclass
class Item:
    """One question's candidate rows: features (rows x NAMES), which are right, headings."""

    feats: np.ndarray
    right: np.ndarray
    answerable: bool
    group: str


def collect(name: str, corpus: Path, questions: list[Question], sentence_gold: bool
            ) -> list[Item]:
    bot = make_bot(name, corpus)
    retriever = bot.retriever
    right = right_fn(bot, sentence_gold)
    heads = retriever._headings
    items = []
    for q in questions:
        f = retriever.features(retriever.understand(q.text))
        base = fuse(f, Weights())
        pools = [np.argsort(-getattr(f, n))[:POOL] for n in ("dense", "lexical")]
        pools.append(np.argsort(-base)[:POOL])
        rows = np.unique(np.concatenate(pools))
        rows = rows[~heads[rows]]
        feats = np.stack([getattr(f, n)[rows] for n in NAMES], axis=1)
        ok = np.array([bool(q.gold) and right(q, int(r)) for r in rows])
        items.append(Item(feats, ok, bool(q.gold), name))
    return items


class Pool:
    """All questions' candidates stacked, so one weight vector scores everything at once."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.feats = np.concatenate([it.feats for it in items])
        self.right = np.concatenate([it.right for it in items])
        sizes = np.array([len(it.right) for it in items])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.owner = np.repeat(np.arange(len(items)), sizes)
        self.answerable = np.array([it.answerable for it in items])

    def scores(self, w: np.ndarray) -> np.ndarray:
        main = w[:-1] / max(w[:-1].sum(), 1e-9)
        return np.minimum(self.feats[:, :-1] @ main + w[-1] * self.feats[:, -1], 1.0)

    def evaluate(self, w: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """MRR@10 and Hit@1 over answerable questions; every question's top score and hit."""
        s = self.scores(w)
        tops = np.maximum.reduceat(s, self.starts)
        gold_best = np.maximum.reduceat(np.where(self.right, s, -np.inf), self.starts)
        above = np.add.reduceat((s > gold_best[self.owner]).astype(np.int64), self.starts)
        rank = np.where(np.isfinite(gold_best), above + 1, 0)
        ok = self.answerable
        rr = np.where((rank > 0) & (rank <= 10), 1.0 / np.maximum(rank, 1), 0.0)
        top_right = (rank == 1)
        return float(rr[ok].mean()), float(top_right[ok].mean()), tops, top_right


def main() -> int:
    cache = CACHE_FILE
    if cache.exists() and "--recollect" not in sys.argv:
        groups = pickle.loads(cache.read_bytes())
    else:
        docs, wq = wikiqa()
        even = [q for q in wq if int(q.id[1:]) % 2 == 0]
        groups = {
            "wikiqa": collect("wikiqa", docs, even, True),
            "seed": collect("seed", ROOT / "seeds", dev_set("seed_dev.jsonl"), False),
            "bbc": collect("bbc", SHARED / "corpora" / "bbc-news" / "news",
                           dev_set("bbc_dev.jsonl"), False),
        }
        cache.write_bytes(pickle.dumps(groups))
    pools = {g: Pool(items) for g, items in groups.items()}
    rng = np.random.default_rng(0)
    best = None

    def score(w: np.ndarray) -> tuple[float, dict[str, tuple[float, float]]]:
        r = {g: pool.evaluate(w)[:2] for g, pool in pools.items()}
        objective = (0.3 * r["wikiqa"][0] + 0.3 * r["wikiqa"][1] + 0.2 * r["bbc"][0]
                     + 0.2 * r["seed"][0])
        return objective, r

    for _ in range(TRIALS):
        w = rng.dirichlet(np.ones(len(NAMES) - 1))
        w = np.append(w, rng.choice([0.0, 0.05, 0.1, 0.15, 0.2]))
        objective, r = score(w)
        if best is None or objective > best[0]:
            best = (objective, w, r)
    assert best is not None
    for _ in range(6):  # coordinate refinement
        for i in range(len(NAMES)):
            for delta in (-0.06, -0.03, -0.01, 0.01, 0.03, 0.06):
                w = best[1].copy()
                w[i] = max(0.0, w[i] + delta)
                objective, r = score(w)
                if objective > best[0]:
                    best = (objective, w, r)
    assert best is not None
    objective, w, r = best
    main_w = w[:-1] / w[:-1].sum()
    values = list(main_w) + [w[-1]]
    print("Weights(" + ", ".join(f"{n}={x:.3f}" for n, x in zip(NAMES, values)) + ")")
    print("objective", round(objective, 4),
          {g: tuple(round(x, 3) for x in v) for g, v in r.items()})
    for t in np.arange(0.30, 0.80, 0.01):
        line = f"threshold {t:.2f}:"
        for g, pool in pools.items():
            _, _, tops, top_right = pool.evaluate(w)
            answered = tops >= t
            right = (answered & top_right & pool.answerable).sum()
            n_ans = pool.answerable.sum()
            p = right / max(answered.sum(), 1)
            rec = right / max(n_ans, 1)
            f1 = 2 * p * rec / max(p + rec, 1e-9)
            una = (~answered[~pool.answerable]).mean() if (~pool.answerable).any() else 0
            ans_dec = (~answered[pool.answerable]).mean()
            line += f"  {g} F1 {f1:.3f} unans-declined {una:.2f} ans-declined {ans_dec:.2f};"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
