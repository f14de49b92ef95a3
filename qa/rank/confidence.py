"""From fused scores to hits: the best rows, one confidence for the question, near-duplicates
collapsed.

Every hit of a question adds the same confidence to its fused score, so their order is
unchanged but the abstain threshold sees how sure the ranking is:

    confidence = w_margin * (best fused - second best fused)     a clear winner, not a close call
               + w_focus_confidence * focus of the best sentence  (its `assurance`)
               - w_title_confidence * title match of the best sentence
               - w_unmet   when the question asks for a number or a time ("how many", "when",
                           "what is the population of") and the best sentence holds none

A sentence that matches the question only through its document's subject (the lead sentence of
the right article, when the article does not hold the answer) should not be answered with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from qa.rank.about import holds_asked
from qa.rank.facts import StoreFacts
from qa.rank.features import Features
from qa.rank.hits import Hit, make_hit
from qa.rank.intent import Intent
from qa.rank.weights import DUPLICATE_MIN_WORDS, DUPLICATE_OVERLAP, DUPLICATE_SIZE, Weights
from qa.text import words

Ranked = list[tuple[int, float]]  # (row or position, fused score), best first


def top_k(scores: NDArray[np.float32], k: int) -> Ranked:
    """Indices and values of the k largest scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def assurance(f: Features, w: Weights) -> NDArray[np.float32]:
    """What each sentence would add to the confidence as the best one (module docstring)."""
    return (w.focus_confidence * f.focus - w.title_confidence * f.title).astype(np.float32)


def unmet(intent: Intent, text: str) -> bool:
    """The question asks for a number or a time, and the sentence `text` holds none (as the
    reply judges it, qa.rank.about.holds_asked: "at nine" is a time)."""
    return intent.needs is not None and not holds_asked(intent.needs, text)


def confidence(ranked: Sequence[tuple[int, float]], sure: float, missing: bool,
               w: Weights) -> float:
    """The confidence of a ranking (module docstring): `sure` is the best sentence's
    `assurance`, `missing` whether it is `unmet`."""
    lead = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 0.0
    out = w.margin * lead + sure
    if ranked and missing:
        out -= w.unmet
    return out


def distinct(ranked: Ranked, text: Callable[[int], str], k: int,
             skip: frozenset[int] = frozenset(),
             heading: Callable[[int], bool] = lambda _: False) -> Ranked:
    """The first k ranked rows not in `skip`, nor a `heading`, that do not repeat a better one."""
    out: Ranked = []
    kept: list[set[str]] = []
    for row, score in ranked:
        if row in skip or heading(row):
            continue
        bag = set(words(text(row)))
        if any(near_duplicate(bag, other) for other in kept):
            continue
        kept.append(bag)
        out.append((row, score))
        if len(out) == k:
            break
    return out


def near_duplicate(a: set[str], b: set[str]) -> bool:
    """Word sets of which the smaller is (almost) inside the larger: one repeats the other."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return True
    if small == large:
        return True
    return (len(small) >= DUPLICATE_MIN_WORDS and len(large) <= DUPLICATE_SIZE * len(small)
            and len(small & large) >= DUPLICATE_OVERLAP * len(small))


def confident_hits(facts: StoreFacts, ranked: Ranked, sure: float, intent: Intent,
                   w: Weights, k: int, skip: frozenset[int], context: int) -> list[Hit]:
    """The k best distinct hits of rows ranked by fused score, each with the confidence added
    (clipped to [0, 1]); `sure` is the best row's `assurance`."""
    missing = bool(ranked) and unmet(intent, facts.store.text(ranked[0][0]))
    gain = confidence(ranked, sure, missing, w)
    return [make_hit(facts, row, max(0.0, min(1.0, score + gain)), context)
            for row, score in distinct(ranked, facts.store.text, k, skip, facts.heading)]


__all__ = ["assurance", "confidence", "confident_hits", "distinct", "near_duplicate", "top_k",
           "unmet"]
