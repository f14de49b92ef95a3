"""Whether the corpus is about a question at all, apart from how well any sentence scores.

A sentence score says which sentence fits a question best; it cannot say that nothing fits: the
best of many unrelated sentences still scores, and an answering sentence that shares few words
with the question scores low. What does say it is the question's content - its rare words and
the things it names, weighted by how rare they are in the corpus (idf) - and where the corpus
holds it: nowhere, only scattered (in passing, never together), or together in one passage.
A decline needs that silence; a low sentence score alone only makes the reply a marked guess.
"Who won the Oscar for best picture?" over the BBC news finds a sentence on the People's Choice
awards that scores well, but "Oscar" is not near it: not a confident answer.
Computed from the lexical index alone; never from a list of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from qa.rank.facts import StoreFacts
from qa.rank.intent import Intent, holds_kind
from qa.rank.weights import (
    ABOUT_POWER,
    ABOUT_WINDOW,
    ASKED_MISSING,
    CONFIDENT_FROM,
    SURE_NAMED,
    SURE_PASSAGE,
    SURE_PLACES,
)
from qa.text import NAME_TOKEN, terms

Reply = Literal["high", "low", "none"]

# The word after "how" or "what" that names the kind of answer asked for, not what the
# question is about: "what time does the ferry leave?" is about a ferry leaving, and a corpus
# that never says "time" is not silent on it.
_FRAME = re.compile(r"\b(?:how\s+(?P<how>\w+)|(?:what|which)\s+(?P<what>time|year|date|day|"
                    r"month|age|hour|season)\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class About:
    """How much of a question's content the corpus holds: each share is of the question's
    content terms, each weighted by its idf to the power ABOUT_POWER, from 0 (none) to 1."""

    corpus: float  # share used anywhere in the corpus
    together: float  # share in the one passage (a sentence, ABOUT_WINDOW either side) most holds
    passage: float  # share in the best hit's passage
    named: float  # share of the words the question capitalises (its named things) in the corpus
    rarest: float  # 1 when the rarest content word the corpus uses is in the best hit's passage
    asked: float  # 0 when the question asks for a number or time the best hit lacks, else 1
    places: float  # documents with a passage holding nearly as much as `together` (90%)
    named_near: float  # share of the named things in the best hit's passage (1 when none)

    def evidence(self) -> float:
        """What the abstain threshold is compared with: how much of the question's content
        the corpus holds together, times ASKED_MISSING when the best hit lacks the number or
        time the question asks for ("What is the population of Swansea?" over stories that
        mention Swansea but never its population)."""
        return self.together * (1.0 if self.asked > 0 else ASKED_MISSING)

    def silent(self, threshold: float) -> bool:
        """Whether the corpus says nothing on the question: it never mentions the things the
        question names, or its `evidence` is below `threshold`."""
        return self.named == 0.0 or self.evidence() < threshold

    def sure(self, score: float) -> bool:
        """Whether a best hit of `score` answers: it scores from CONFIDENT_FROM, holds what the
        question asks for, its passage holds the question's rarest word and at least
        SURE_PASSAGE of its content and SURE_NAMED of the things it names, and at most
        SURE_PLACES documents hold as much of it."""
        return (score >= CONFIDENT_FROM and self.asked > 0 and self.rarest > 0
                and self.passage >= SURE_PASSAGE and self.named_near >= SURE_NAMED
                and self.places <= SURE_PLACES)


NOTHING = About(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def reply(score: float, seen: About, threshold: float) -> Reply:
    """The kind of reply for a best hit of `score` and what the corpus holds of the question:
    "none" (decline) when the corpus is silent on it (`About.silent`, `threshold` the
    abstain threshold), "high" (confident) when the best hit answers (`About.sure`), "low"
    (the closest sentences, marked as a guess) otherwise."""
    if seen.silent(threshold):
        return "none"
    return "high" if seen.sure(score) else "low"


def about(facts: StoreFacts, intent: Intent, row: int, window: int = ABOUT_WINDOW,
          power: float = ABOUT_POWER) -> About:
    """How much of the question `intent` reads the corpus holds, and near `row` (its best
    hit); `window` and `power` as ABOUT_WINDOW and ABOUT_POWER (benchmarks/fit.py tries
    others)."""
    lexicon = facts.store.lexicon
    asked = content_terms(intent.text)
    if not asked or row < 0:
        return NOTHING
    named = _named_terms(intent.text)
    first, count = (int(x[facts.doc[row]]) for x in facts.spans)
    near = (max(first, row - window), min(first + count, row + window + 1))
    rare = lexicon.max_idf() ** power
    total = corpus = passage = named_total = named_held = named_near = 0.0
    rarest, rarest_held = -1.0, False
    found: list[tuple[NDArray[np.int32], float]] = []
    for term in asked:
        tid = lexicon.vocab.get(term)
        weight = rare if tid is None else float(lexicon.idf[tid]) ** power
        total += weight
        if term in named:
            named_total += weight
            named_held += weight * (tid is not None)
        if tid is None:
            continue
        corpus += weight
        postings = lexicon.postings(tid)
        found.append((postings, weight))
        held = _any_in(postings, *near)
        passage += weight * held
        if term in named:
            named_near += weight * held
        if weight > rarest:
            rarest, rarest_held = weight, held
    if total <= 0:
        return NOTHING
    answers = intent.needs is None or holds_asked(intent.needs, facts.store.text(row))
    most, places = _together(facts, found, window)
    return About(corpus / total, most / total, passage / total,
                 named_held / named_total if named_total else 1.0, float(rarest_held),
                 float(answers), float(places), named_near / named_total if named_total else 1.0)


def holds_asked(needs: str, text: str) -> bool:
    """Whether a sentence may hold the "time", "age" or "number" a question asks for: looser
    than the answer kinds ranking prefers, as what it decides is whether to decline. A clock
    time is a number ("The ferry leaves at nine."), and an age may be given as a number
    ("fourteen at the time") or a birth date."""
    return any(holds_kind(kind, text) for kind in _LOOSER.get(needs, (needs,)))


_LOOSER = {"time": ("time", "number"), "age": ("age", "number", "time")}


def content_terms(question: str) -> list[str]:
    """The index terms of what a question is about: its terms without the word that names the
    kind of answer it asks for ("how many", "what time")."""
    frame = {m.group("how") or m.group("what") for m in _FRAME.finditer(question)}
    kept = dict.fromkeys(terms(question))
    for word in frame:
        for term in terms(word):
            kept.pop(term, None)
    return list(kept)


def _together(facts: StoreFacts, found: list[tuple[NDArray[np.int32], float]], window: int
              ) -> tuple[float, int]:
    """The most weight the question's terms (each its rows and weight) put in any one passage
    (a sentence and the `window` sentences either side of it in its document), and how many
    documents have a passage with at least 90% of that."""
    if not found:
        return 0.0, 0
    doc = facts.doc
    count = doc.shape[0]
    rows: list[NDArray[np.int64]] = []
    weights: list[NDArray[np.float64]] = []
    for postings, weight in found:
        held = postings.astype(np.int64)
        spread = [held]
        for step in range(1, window + 1):
            for moved in (held - step, held + step):
                ok = (moved >= 0) & (moved < count)
                moved, origin = moved[ok], held[ok]
                spread.append(moved[doc[moved] == doc[origin]])
        near = np.unique(np.concatenate(spread))
        rows.append(near)
        weights.append(np.full(near.shape[0], weight))
    every, at = np.unique(np.concatenate(rows), return_inverse=True)
    held = np.bincount(at, weights=np.concatenate(weights), minlength=every.shape[0])
    most = float(held.max())
    return most, int(np.unique(doc[every[held >= 0.9 * most]]).shape[0])


def _named_terms(question: str) -> set[str]:
    """Index terms of the words a question capitalises other than its first: its named things
    ("Oscar", "WorldCom", "US"); none when it is typed all in lower case."""
    tokens = NAME_TOKEN.findall(question)
    return {t for w in tokens[1:] if w[:1].isupper() for t in terms(w)}


def _any_in(postings: NDArray[np.int32], lo: int, hi: int) -> bool:
    """Whether the ascending row list `postings` holds a row in [lo, hi)."""
    at = int(np.searchsorted(postings, lo))
    return at < postings.shape[0] and int(postings[at]) < hi


__all__ = ["NOTHING", "About", "Reply", "about", "content_terms", "holds_asked", "reply"]
