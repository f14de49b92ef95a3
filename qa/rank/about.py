"""Whether the corpus is about a question at all, apart from how well any sentence scores.

A sentence score says which sentence fits a question best; it cannot say that nothing fits: the
best of many unrelated sentences still scores, and an answering sentence that shares few words
with the question scores low. What does say it is the question's content - its rare words and
the things it names, weighted by how rare they are in the corpus (idf) - and where the corpus
holds it: nowhere, only scattered (in passing, never together), or together in one passage.
A decline needs that silence; a low sentence score alone only makes the reply a marked guess.
A confident answer needs more: the kind of answer asked for in the best hit, and the question's
content held together in one document only. "Who won the Oscar for best picture?" over the BBC
news finds a sentence on a radio poll for the best film never to win one; four stories hold
"won", "Oscar", "best" and "picture" together, and which says who won is a guess.
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
    NAMED_MISSING,
    SURE_PLACES,
    UNSEEN_POWER,
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
    """What the corpus holds of a question. Shares are of the question's content terms, each
    weighted by its idf to the power ABOUT_POWER (a word the corpus never uses, by the largest
    idf less the corpus's `unseen` share of it), from 0 (none) to 1 (all)."""

    together: float  # share in the one passage (a sentence, ABOUT_WINDOW either side) most holds
    named: float  # share of the words the question capitalises (its named things) in the corpus
    asked: bool  # the best hit holds the number or time the question asks for (or none is asked)
    kind: bool  # ... and the kind of answer it asks for: a place for "where", a reason for "why"
    places: int  # documents with a passage holding at least 90% as much as the best passage
    unseen: float  # the chance that a further sentence uses a word the corpus has not (`unseen`)

    def evidence(self) -> float:
        """What the abstain threshold is compared with: how much of the question's content
        the corpus holds together, times ASKED_MISSING when the best hit lacks the number or
        time the question asks for ("What is the population of Swansea?" over stories that
        mention Swansea but never its population)."""
        return self.together * (1.0 if self.asked else ASKED_MISSING)

    def silent(self, threshold: float) -> bool:
        """Whether the corpus says nothing on the question: it mentions at most NAMED_MISSING
        of the things the question names, or its `evidence` is below `threshold`; both bars
        lowered in a corpus too small to have used most words (one article answers in its own
        words: it says "Serbia" where the question says "Belgrade")."""
        small: float = (1.0 - self.unseen) ** UNSEEN_POWER
        return self.named <= NAMED_MISSING * small or self.evidence() < threshold * small

    def sure(self, score: float) -> bool:
        """Whether a best hit of `score` answers: it scores from CONFIDENT_FROM, holds the kind
        of answer asked for, and no more than SURE_PLACES documents hold as much of the
        question (several stories on the Oscars hold "won", "Oscar", "best picture"; which of
        them says who won is a guess)."""
        return (score >= CONFIDENT_FROM and self.asked and self.kind
                and self.places <= SURE_PLACES)


NOTHING = About(0.0, 0.0, False, False, 0, 0.0)


def reply(score: float, seen: About, threshold: float) -> Reply:
    """The kind of reply for a best hit of `score` and what the corpus holds of the question:
    "none" (decline) when the corpus is silent on it (`About.silent`, `threshold` the
    abstain threshold), "high" (confident) when the best hit answers (`About.sure`), "low"
    (the closest sentences, marked as a guess) otherwise."""
    if seen.silent(threshold):
        return "none"
    return "high" if seen.sure(score) else "low"


def about(facts: StoreFacts, intent: Intent, row: int, window: int = ABOUT_WINDOW,
          power: float = ABOUT_POWER, within: NDArray[np.int64] | None = None) -> About:
    """What the corpus holds of the question `intent` reads, `row` its best hit; `window`
    and `power` as ABOUT_WINDOW and ABOUT_POWER (benchmarks/fit.py --replies tries others).
    With `within` (ascending rows), only those rows count, for the things the question names
    too: a question asked of one file is declined when that file is silent on it."""
    lexicon = facts.store.lexicon
    asked = content_terms(intent.text)
    if not asked or row < 0:
        return NOTHING
    named = _named_terms(intent.text)
    # a word the corpus never uses weighs as its rarest word, discounted by the chance that
    # the corpus simply has not used it yet (`unseen`): in one short article most words go
    # unused, in thousands of stories few do
    new = lexicon.unseen()
    rare = lexicon.max_idf() ** power * (1.0 - new)
    total = named_total = named_held = 0.0
    found: list[tuple[NDArray[np.int32], float]] = []
    for term in asked:
        tid = lexicon.vocab.get(term)
        weight = rare if tid is None else float(lexicon.idf[tid]) ** power
        total += weight
        rows = lexicon.postings(tid) if tid is not None else np.zeros(0, dtype=np.int32)
        if within is not None:
            rows = rows[np.isin(rows, within)]
        if term in named:  # held by the rows asked: Portmill's engineer is not in the seed
            named_total += weight
            named_held += weight * (rows.size > 0)
        if tid is not None:
            found.append((rows, weight))
    if total <= 0:
        return NOTHING
    text = facts.store.text(row)
    most, places = _together(facts, found, window)
    return About(most / total, named_held / named_total if named_total else 1.0,
                 intent.needs is None or holds_asked(intent.needs, text),
                 intent.kind is None or holds_asked(intent.kind, text), places, new)


def holds_asked(needs: str, text: str) -> bool:
    """Whether a sentence may hold the kind of answer a question asks for (qa.rank.intent):
    looser than the kinds ranking prefers, as what it decides is the reply. A clock time is a
    number ("The ferry leaves at nine."), an age may be given as a number ("14 when filming
    began") or a birth date, and whom a "who" question asks after may be any noun phrase:
    ranking's full name is not needed."""
    if needs == "person":
        return True  # "who did Okafor thank?": "the volunteers of the lifeboat crew"
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
    if every.shape[0] == 0:  # known words whose sentences a narrowed store did not fetch
        return 0.0, 0
    held = np.bincount(at, weights=np.concatenate(weights), minlength=every.shape[0])
    most = float(held.max())
    return most, int(np.unique(doc[every[held >= 0.9 * most]]).shape[0])


def _named_terms(question: str) -> set[str]:
    """Index terms of the words a question capitalises other than its first: its named things
    ("Oscar", "WorldCom", "US"); none when it is typed all in lower case."""
    tokens = NAME_TOKEN.findall(question)
    return {t for w in tokens[1:] if w[:1].isupper() for t in terms(w)}


__all__ = ["NOTHING", "About", "Reply", "about", "content_terms", "holds_asked", "reply"]
