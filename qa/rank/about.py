"""Whether the corpus is about a question at all, apart from how well any sentence scores.

A sentence score says which sentence fits a question best; it cannot say that nothing fits: the
best of many unrelated sentences still scores, and an answering sentence that shares few words
with the question scores low. What does say it is the question's content - its rare words and
the things it names, weighted by how rare they are in the corpus (idf) - and where the corpus
holds it: nowhere, only scattered (in passing, never together), or together in one passage.
A decline needs that silence, or a question nothing comes near: no sentence of the corpus is
close to it in meaning (the model's cosine) and none is relevant either (the fused score); a
low sentence score alone only makes the reply a marked guess.
A confident answer needs more: the kind of answer asked for in the best hit, and the question's
content held together in one document only. "Who won the Oscar for best picture?" over the BBC
news finds a sentence on a radio poll for the best film never to win one; four stories hold
"won", "Oscar", "best" and "picture" together, and which says who won is a guess.
Computed from the lexical index alone; never from a list of names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from qa.rank.facts import StoreFacts
from qa.rank.intent import YEAR, Intent, holds_kind
from qa.rank.weights import (
    ABOUT_POWER,
    ABOUT_WINDOW,
    ASKED_AMONG,
    ASKED_MISSING,
    CLOSEST_FLOOR,
    CONFIDENT_FROM,
    NAMED_MISSING,
    NAMED_TELLS_FROM,
    RELEVANCE_FLOOR,
    SURE_PLACES,
    UNSEEN_POWER,
)
from qa.text import (
    NAME_TOKEN,
    NUMBER_WORDS,
    STOPWORDS,
    TITLES,
    UNITS,
    LazyPattern,
    alternation,
    bare,
    terms,
)

Reply = Literal["high", "low", "none"]

# The word after "how" or "what" that names the kind of answer asked for, not what the
# question is about: "what time does the ferry leave?" is about a ferry leaving, and a corpus
# that never says "time" is not silent on it.
_FRAME = re.compile(r"\b(?:how\s+(?P<how>\w+)|(?:what|which)\s+(?P<what>time|year|date|day|"
                    r"month|age|hour|season)\b)", re.IGNORECASE)


# The measure an amount question asks for, and how a sentence giving one looks: "how tall is
# Federer?" is answered by "1.85m", not by any number ("won 6-4 6-3"); "how much does the
# ticket cost?" by "£45", not by "40,000 fans"; "when was Arsenal founded?" by a year, not by
# "on Saturday". Read only for the reply: best hits without the measure lack what is asked.
_AMOUNT_OF = (rf"(?:(?<![£$€¥\w.,])\d[\d,.]*|\b(?:{alternation(NUMBER_WORDS)}))"
              r"(?:\s*(?:m|bn|k|million|billion|thousand))?")
# Units that are also words ("in", "st") or letters count only when they touch the number:
# "1.85m", "6ft 1in", "99p"; not "won 6-3 in the final".
_TOUCHING = frozenset(["m", "in", "g", "st", "p"])
_SHARE = r"\d%|\bper ?cent\b"  # "how high is unemployment?": "5.2%"


def _in_units(*measures: str, also: str = "") -> LazyPattern:
    units = frozenset().union(*(UNITS[m] for m in measures))
    return LazyPattern(rf"{_AMOUNT_OF}(?:(?:{alternation(units & _TOUCHING)})|[\s-]*"
                      rf"(?:(?:nautical|square|cubic|light)[\s-]+)?"
                      rf"(?:{alternation(units - _TOUCHING)}))\b" + (f"|{also}" if also else ""),
                      re.IGNORECASE)


_CHANGE = LazyPattern(r"\b(?:rise|rose|risen|fall|fell|fallen|grow|grew|grown|increase[sd]?|"
                     r"decrease[sd]?|drop(?:ped)?|cut|up|down|percent|percentage|share|rate)\b",
                     re.IGNORECASE)
_MEASURES: tuple[tuple[str, LazyPattern, LazyPattern], ...] = (
    ("number", LazyPattern(r"\bhow tall\b|\b(?:height|distance)\b", re.IGNORECASE),
     _in_units("length")),
    # "how high is inflation?", "how far did shares fall?": a share answers too
    ("number", LazyPattern(r"\bhow (?:high|far|wide|deep)\b", re.IGNORECASE),
     _in_units("length", also=_SHARE)),
    ("number", LazyPattern(r"\bhow heavy\b|\bweigh(?:s|ed|t)?\b", re.IGNORECASE),
     _in_units("weight")),
    ("number", LazyPattern(r"\bhow fast\b|\bspeed\b", re.IGNORECASE),
     LazyPattern(rf"{_AMOUNT_OF}[\s-]*(?:{alternation(UNITS['speed'])}|(?:miles|km|kilometres) "
                r"(?:an|per) hour)\b", re.IGNORECASE)),
    # "how long is his ban?": "six matches"; "the length of the contract": "a three-year deal"
    ("number", LazyPattern(r"\bhow long\b|\blength\b", re.IGNORECASE),
     _in_units("duration", "length", also=rf"\bsince {YEAR}")),
    # money only for "how much" or "what is the price of": "how many workers earn the minimum
    # wage?" asks for a count
    ("number", LazyPattern(r"^(?!.*\bhow many\b)(?:.*\bhow much\b.*\b(?:cost|costs|pay|paid|earn|"
                          r"earns|earned|worth|charge|charges|charged|spend|spent|sold for|"
                          r"sell for|fetch|fetched|fined|owe|owes|invest|invested|price)\b|"
                          r".*\bwhat(?:'s|’s| is| was| are| were) (?:\S+ ){0,4}(?:price|cost|"
                          r"salary|wage|fee|worth|earnings|income)\b(?!-))", re.IGNORECASE),
     LazyPattern(rf"[£$€¥]\s?\d|{_in_units('money').pattern}", re.IGNORECASE)),
    ("time", LazyPattern(r"\b(?:what|which) year\b|\bwhen (?:was|were)\b.*\b(?:founded|born|"
                        r"built|established|formed|invented|created)\b", re.IGNORECASE),
     LazyPattern(YEAR)),
)


# A relation a question asks after, and the words a sentence states it with: "where was
# Abramovich born?" over news that names him often but never his birth is silent on it.
# Open questions about people and things ask most often after these; each is matched in the
# shape a question asks it ("who founded", "which school"), not wherever its word occurs
# ("what did Blair's wife say?", "the company, founded in 1990, ...", "the study found").
_RELATIONS = tuple((LazyPattern(q, re.IGNORECASE), LazyPattern(a, re.IGNORECASE)) for q, a in (
    (r"\b(?:where|when|which \w+|what \w+) (?:was|were|is) .*\bborn\b|\bbirthplace\b",
     r"\bborn\b|\bbirth|\bnative\b|\bgrew up\b|\bhometown\b"),
    (r"\bmarried\b|\bmarry\b|\b(?:who|what)(?:'s|’s| is| was)\b.*\b(?:wife|husband|spouse)\b",
     r"\bmarr(?:y|ied|iage)\b|\b(?:wife|husband|spouse|partner|widow(?:er)?|fianc[ée]+)\b"),
    ((r"\b(?:which|what) (?:school|university|college)\b|\bwhere did .*\b(?:go to "
      r"(?:school|university|college)|study|studied)\b|\beducated\b|\bstud(?:y|ied) at\b"),
     (r"\b(?:schools?|universit(?:y|ies)|college|stud(?:y|ied|ying|ies)|educated|graduated?|"
      r"degree|students?)\b")),
    (r"\bwho designed\b|\bdesigned by\b|\bwhich (?:architect|designer)\b",
     r"\bdesign(?:ed|er|ers|s|ing)?\b|\barchitects?\b"),
    (r"\bwho composed\b|\bcomposer\b", r"\bcompos(?:ed|er|ers|ing|ition)\b|\bscore\b"),
    ((r"\bwho (?:co-)?founded\b|\b(?:when|what year|which year) (?:was|were)\b.*\bfounded\b|"
      r"\bfounded in what\b|\bfounder of\b"),
     (r"\bfound(?:ed|er|ers|ing)\b|\bco-found\w*|\bset up\b|\bestablished\b|\bcreated\b|"
      r"\bstarted\b")),
    (r"^\s*(?:where|which|what|in which|in what)\b.*\bheadquarter|\bheadquartered\b",
     r"\bheadquarter(?:s|ed)?\b|\bbased in\b|\bhead office\b"),
    (r"\bcapacity\b|\bhow many seats\b", r"\bcapacity\b|\bseat(?:s|er|ing)?\b|\d-seat"),
    ((r"\bhow many (?:people|staff|workers)\b.*\bemploy|\bhow many (?:employees|staff)\b|"
      r"\bworkforce\b"),
     r"\bemploy\w*|\bstaff\b|\bworkforce\b|\bworkers\b|\bjobs\b"),
    (r"\b(?:what(?:'s|’s| is| was)) the population\b|\bpopulation of\b|\bhow many people live\b",
     r"\bpopulation\b|\binhabitants\b|\bresidents\b|\bpeople live\b"),
    (r"\bhow many (?:children|sons|daughters|kids) (?:does|did|do|has|have)\b",
     r"\b(?:child|children|sons?|daughters?|kids|father of|mother of)\b"),
    ((r"\bwho wrote (?:the )?(?:book|novel|song|play|poem|music|script|lyrics|opera)\b|"
      r"\bauthor of\b|\bwho wrote (?:(?-i:[A-Z])|“|\")"),
     r"\bwr[io]te\b|\bwritten\b|\bwriter\b|\bauthor\w*|\bnovel"),
    (r"\bcapital of\b|\bcapital city\b", r"\bcapital\b"),
))


def states_relation(question: str, text: str) -> bool:
    """Whether the sentence `text` may state the relation `question` asks after (above), or
    it asks after none of them."""
    return all(answer.search(text) is not None for asks, answer in _RELATIONS
               if asks.search(question))


def holds_measure(intent: Intent, text: str) -> bool:
    """Whether the sentence `text` gives the measure `intent`'s question asks for (above), or
    the question asks for none: a change in an amount may be a share ("how much did prices
    rise?": "by 2%"), so a question after a change asks for no unit, nor one that gives the
    measure itself ("what is behind the £80m cost?")."""
    if intent.needs is None or (intent.needs == "number" and _CHANGE.search(intent.asked)):
        return True
    return all(answer.search(text) is not None for needs, question, answer in _MEASURES
               if needs == intent.needs and question.search(intent.asked)
               and not answer.search(intent.asked))


@dataclass(frozen=True, slots=True)
class About:
    """What the corpus holds of a question. Shares are of the question's content terms, each
    weighted by its idf to the power ABOUT_POWER (a word the corpus never uses, by the largest
    idf less the corpus's `unseen` share of it), from 0 (none) to 1 (all)."""

    together: float  # share in the one passage (a sentence, ABOUT_WINDOW either side) most holds
    named: float  # share of the words the question capitalises (its named things) in the corpus
    asked: bool  # the best hit gives the amount, time, relation or year asked (or none is asked)
    offered: bool  # ... or one of the ASKED_AMONG best hits does (ranking may put it second)
    kind: bool  # ... and the kind of answer it asks for: a place for "where", a reason for "why"
    places: int  # documents with a passage holding at least 90% as much as the best passage
    unseen: float  # the chance that a further sentence uses a word the corpus has not (`unseen`)
    # the named things the rows asked lack all occur elsewhere in the corpus (a question asked
    # of one file, naming what only other files name; a Milvus reader knows every word of the
    # corpus but holds only the rows it fetched)
    elsewhere: bool = False
    # the best dense evidence of any sentence asked, headings left out (the question's clipped
    # cosine; the topic's for a speaker's sentences), and the best fused relevance of any
    # (qa.rank.features, before the confidence); both 1 when not read
    closest: float = 1.0
    relevance: float = 1.0
    # the names the question gives that the corpus never uses: "Putin" in "what did Putin say
    # about Kosovo?" over an article that never names him. Said in the reply, which is then a
    # marked guess at most; not a decline of their own, as one article may say "Serbia" where
    # the question says "Belgrade" (the `named` share declines in a corpus big enough)
    unnamed: tuple[str, ...] = ()

    def evidence(self) -> float:
        """What the abstain threshold is compared with: how much of the question's content
        the corpus holds together, times ASKED_MISSING when none of the best hits gives the
        amount, time or relation the question asks for, or their documents the year it gives
        ("What is the population of Swansea?" over stories that mention Swansea but never its
        population)."""
        return self.together * (1.0 if self.offered else ASKED_MISSING)

    def silent(self, threshold: float) -> bool:
        """Whether the corpus says nothing on the question: it mentions at most NAMED_MISSING
        of the things the question names, or its `evidence` is below `threshold`; both bars
        lowered in a corpus too small to have used most words (one article answers in its own
        words: it says "Serbia" where the question says "Belgrade"), and the first not read
        at all below NAMED_TELLS_FROM (a name one article lacks says little) unless the names
        the rows asked lack are the corpus's elsewhere."""
        small: float = (1.0 - self.unseen) ** UNSEEN_POWER
        telling = small >= NAMED_TELLS_FROM or self.elsewhere
        return (self.named <= NAMED_MISSING * small and telling) or \
            self.evidence() < threshold * small

    def faint(self) -> bool:
        """Whether nothing comes near the question: no sentence's cosine with it reaches
        CLOSEST_FLOOR and no sentence's relevance RELEVANCE_FLOOR, both lowered as the bars of
        `silent` are. "How many bones are there in the adult human body?" over the news shares
        "adult" and "body" with sentences on other things; the words alone do not tell."""
        small: float = (1.0 - self.unseen) ** UNSEEN_POWER
        return self.closest < CLOSEST_FLOOR * small and self.relevance < RELEVANCE_FLOOR * small

    def sure(self, score: float) -> bool:
        """Whether a best hit of `score` answers: it scores from CONFIDENT_FROM, holds the kind
        of answer asked for, and no more than SURE_PLACES documents hold as much of the
        question (several stories on the Oscars hold "won", "Oscar", "best picture"; which of
        them says who won is a guess)."""
        return (score >= CONFIDENT_FROM and self.asked and self.kind
                and self.places <= SURE_PLACES and not self.unnamed)


NOTHING = About(0.0, 0.0, False, False, False, 0, 0.0)


def reply(score: float, seen: About, threshold: float) -> Reply:
    """The kind of reply for a best hit of `score` and what the corpus holds of the question:
    "none" (decline) when the corpus is silent on it (`About.silent`, `threshold` the
    abstain threshold) or nothing comes near it (`About.faint`), "high" (confident) when the
    best hit answers (`About.sure`), "low" (the closest sentences, marked as a guess)
    otherwise."""
    if seen.silent(threshold) or seen.faint():
        return "none"
    return "high" if seen.sure(score) else "low"


def about(facts: StoreFacts, intent: Intent, best: Sequence[int], window: int = ABOUT_WINDOW,
          power: float = ABOUT_POWER, within: NDArray[np.int64] | None = None,
          closest: float = 1.0, relevance: float = 1.0) -> About:
    """What the corpus holds of the question `intent` reads, `best` its best hits (best first,
    the first ASKED_AMONG read), `closest` and `relevance` the best cosine and fused relevance
    of any row scored (About.faint); `window`
    and `power` as ABOUT_WINDOW and ABOUT_POWER (benchmarks/fit.py --replies tries others).
    With `within` (ascending rows), only those rows count, for the things the question names
    too: a question asked of one file is declined when that file is silent on it."""
    lexicon = facts.store.lexicon
    asked = content_terms(intent.text)
    if not asked or not best or best[0] < 0:
        return NOTHING
    named = _named_terms(intent.text)
    # a word the corpus never uses weighs as its rarest word, discounted by the chance that
    # the corpus simply has not used it yet (`unseen`): in one short article most words go
    # unused, in thousands of stories few do
    new = lexicon.unseen()
    rare = lexicon.max_idf() ** power * (1.0 - new)
    total = named_total = named_held = 0.0
    elsewhere = True  # every named thing the rows lack is a word of the corpus
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
            elsewhere = elsewhere and (rows.size > 0 or tid is not None)
        if tid is not None:
            found.append((rows, weight))
    if total <= 0:
        return NOTHING
    # an acronym the corpus spells out counts as named ("KSF": Kosovo Security Forces)
    unnamed = tuple(w for w in _names(intent.asked) if facts.unknown(w)
                    and facts.analysis.meaning(w, facts.unknown) is None)
    top = list(best[:ASKED_AMONG])
    given = [gives_asked(intent, facts.store.text(row)) for row in top]
    dated = _dated(facts, intent.asked, top)
    most, places = _together(facts, found, window)
    return About(most / total, named_held / named_total if named_total else 1.0,
                 given[0] and dated, any(given) and dated,
                 intent.kind is None or holds_asked(intent.kind, facts.store.text(best[0])),
                 places, new, elsewhere and named_held < named_total, closest, relevance,
                 unnamed)


def _names(question: str) -> list[str]:
    """The words a question capitalises other than its first (`_capitalised`), as typed,
    without a possessive, each once ("Putin", "UN"); none in a question typed mostly in
    capitals, whose capitals name nothing."""
    capital = [bare(t) for t in _capitalised(question)]
    if len(capital) * 2 > len(NAME_TOKEN.findall(question)):
        return []
    return list(dict.fromkeys(t for t in capital if t.lower() not in STOPWORDS
                              and t.lower().strip(".") not in TITLES))


_QUESTION_YEAR = LazyPattern(r"\b(?:19|20)\d\d\b")


def _dated(facts: StoreFacts, question: str, top: list[int]) -> bool:
    """Whether every year the question gives occurs in a document of its best hits: "who
    won the Six Nations in 2010?" over news of 2004 and 2005 finds Six Nations stories, none
    of which could say."""
    years = set(_QUESTION_YEAR.findall(question))
    if not years:
        return True
    lexicon = facts.store.lexicon
    docs = facts.doc[np.asarray(top, dtype=np.int64)]
    for year in years:
        tid = lexicon.vocab.get(year)
        if tid is None or not np.isin(facts.doc[lexicon.postings(tid)], docs).any():
            return False
    return True


def gives_asked(intent: Intent, text: str) -> bool:
    """Whether the sentence `text` gives the amount or time `intent`'s question asks for, in
    the measure asked (`holds_measure`), and may state the relation it asks after
    (`states_relation`)."""
    return states_relation(intent.asked, text) and (
        intent.needs is None or (holds_asked(intent.needs, text)
                                 and holds_measure(intent, text)))


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


def _capitalised(question: str) -> list[str]:
    """The words a question capitalises other than its first: its named things ("Oscar",
    "WorldCom", "US"); none when it is typed all in lower case."""
    return [w for w in NAME_TOKEN.findall(question)[1:] if w[:1].isupper()]


def _named_terms(question: str) -> set[str]:
    """Index terms of the question's named things (`_capitalised`)."""
    return {t for w in _capitalised(question) for t in terms(w)}


__all__ = ["NOTHING", "About", "Reply", "about", "content_terms", "gives_asked", "holds_asked",
           "holds_measure", "reply", "states_relation"]
