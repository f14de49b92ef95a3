"""Ranking sentences for a question: dense and lexical evidence, fused, with context.

How a sentence is scored (`score` everywhere means this fused relevance, in [0, 1]; higher is
better, and it is what the abstain threshold is compared with):

    score = w_dense    * cosine(question, sentence)            (clipped to 0-1)
          + w_lexical  * BM25(sentence) / best reachable BM25   (unknown words count too)
          + w_coverage * share of the question's words (idf-weighted) in the sentence
          + w_title    * cosine(question, document title)
          + w_context  * best cosine of the neighbouring sentences
          + w_document * best lexical score of any sentence of the same document
          + w_document_dense * best cosine of any sentence of the same document
          + w_lead     * 1 / (1 + the sentence's position in its document)
          + w_focus    * cosine(question, sentence), both with their document title's
                          direction taken out: what the sentence says beyond naming its subject
          + w_focus_coverage * share of the question's words (idf-weighted) that are not in
                          the document title, held by the sentence
          + w_kind     * [the sentence holds what the question asks for: a year for "when",
                          a number for "how many", a name for "who", a place for "where"]
          + w_speaker  * [the question names the sentence's speaker and asks what they said,
                          thanked, promised, ...; or the sentence has them do it: "X thanked";
                          or it asks "who is X?" and the sentence gives X's role, or "what is
                          the KSF?" and the sentence spells it out]

For such a speaker question, the speaker's own sentences get their dense, lexical, coverage
and focus evidence from the question without the speaker's names ("What did say about
terrorism?"): a quote attributed by "he said" does not name its speaker, and must compete on
its topic with the speaker's sentences that do.

The two focus terms tell apart the sentences of one document: in a document about Kennedy,
"how did Kennedy die?" is answered by the sentence on his death, not by the lead sentence
that names him (and so is close to any question about him).

The weights sum to 1 without the speaker term; the result is clipped to 1. A hit's `score`
adds, for all hits of one question alike, `w_margin * (best fused - second best fused)`: the
order is unchanged, but a clear winner scores higher than a close call, which makes the
abstain threshold decline better. It also adds the best sentence's assurance,
`w_focus_confidence * focus - w_title_confidence * title`: a sentence that matches the
question only through its document's subject (the lead sentence of the right article, when
the article does not hold the answer) should not be answered with. It loses `w_unmet` when
the question asks for a number or a time ("how many", "when", "what is the population of")
and the best sentence holds none.
Weights and threshold were fitted on the even-numbered WikiQA questions and the development
question sets only (benchmarks/fit.py).
The question is first expanded with what the corpus taught us (qa.analysis): acronyms
spelled out, short names completed. A document's heading is context, never an answer, and
near-duplicate sentences collapse into the first of them. A sentence with fewer than
`THIN_TERMS` words that count (a piece of a longer quote counts the whole quote) loses `THIN`:
"According to him." or a caption is close to many questions and answers none.

A store of `FULL_SCAN_BELOW` sentences or more is not scored whole: the candidates are the
whole documents of the dense side's best rows, of the best BM25 rows from the postings, of the
best-matching titles and, for a speaker question, of the speaker's sentences; every feature
above is computed for those rows only, with the same arithmetic, so a question costs what its
candidates cost rather than what the store holds. Answer kinds (a year, a number, ...) are
checked only for the rows that could reach the ranked list with them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from qa.disk import replace_file
from qa.embed import Embedder
from qa.index import K1, Store, members
from qa.knowledge import Analysis, as_typed, describes, for_store
from qa.text import STOPWORDS, terms, words
from qa.vectors import DenseIndex, gather

CANDIDATES = 200
# A sentence with fewer than THIN_TERMS distinct words that are not stop words ("According
# to him.", a caption such as "A duvet, without a cover") loses THIN: short and generic, it
# sits close to many questions without answering them. Chosen on the even WikiQA questions
# and the dev sets (4 to 6 words and 0.03 to 0.08 all help; 7 words hurts).
THIN = 0.05
THIN_TERMS = 5
UNKNOWN_DISCOUNT = 0.5
# From this many sentences up, only candidate rows are scored (module docstring); below it,
# every sentence is, which is what the weights were fitted with.
FULL_SCAN_BELOW = 50_000
DENSE_CANDIDATES = 200  # best dense rows whose documents become candidates
LEXICAL_CANDIDATES = 200  # best BM25 rows whose documents become candidates
TITLE_COSINES = "title-cosines.f32"  # every sentence's cosine with its title, big stores
TITLE_CANDIDATES = 20  # best-matching titles whose documents become candidates
# Sentences around a hit shown at most when a quote runs on over several sentences.
MAX_QUOTE_CONTEXT = 4
_SPEECH_CUE = re.compile(
    r"\b(?:say|said|says|saying|think|thinks|thought|view|views|verdict|reaction|react|"
    r"according|describe|described|make of|feel|feels|claim|claimed|comment|comments|told|"
    r"tell|opinion|position|stance|response|respond|responded|warn|warned|believe|believes|"
    r"thank|thanked|thanks|promise|promised|praise|praised|criticise|criticised|criticize|"
    r"criticized|urge|urged|ask|asked|mention|mentioned|stress|stressed|admit|admitted|"
    r"announce|announced|insist|insisted|argue|argued|explain|explained|add|added|reply|"
    r"replied|speak|spoke|talk|talked|reveal|revealed|deny|denied|blame|blamed|accuse|"
    r"accused|welcome|welcomed|suggest|suggested|predict|predicted|agree|agreed)\b",
    re.IGNORECASE,
)
# Words of a speaker question that ask for speech rather than name its topic: "what did X
# say about Y" is about Y, while "who did X thank" keeps "thank".
_SPEECH_ONLY = re.compile(
    r"\b(?:say|said|says|saying|tell|told|think|thinks|thought|view|views|verdict|reaction|"
    r"react|according|describe|described|make|feel|feels|claim|claimed|comment|comments|"
    r"opinion|position|stance|response|respond|responded|believe|believes|speak|spoke|talk|"
    r"talked|add|added|explain|explained|reply|replied|mention|mentioned)\b",
    re.IGNORECASE,
)

# What a speech question is about follows one of these: "what did X say about Y".
_TOPIC_MARKER = re.compile(r"\b(?:about|on|of|regarding|towards?)\b")
# "Who thanked Stoltenberg?": who did it is asked, the one named is its object.
_WHO_DID = re.compile(r"^\s*(?:(?:and|but|so|also|then)\b,?\s+)?(?:who|which \w+)\s+"
                      r"(?:(?:also|first|then|later)\s+)?(?P<verb>\w+)", re.IGNORECASE)
# "Who is Vucic?", "who was the NATO chief": a question after a person's identity.
_OPENER = r"^\s*(?:(?:and|but|so|also|then|ok|okay|well)\b,?\s+)?"  # "and who is ...?"
_WHO_IS = re.compile(_OPENER + r"who\s+(?:is|was|'s|’s)\s+(?P<rest>.+)$", re.IGNORECASE)
# "What is the KSF?", "what does KSF stand for": a question after an acronym's meaning.
_WHAT_IS = re.compile(_OPENER + r"what\s+(?:is|are|was|were|does|do|'s|’s)\s+(?:the\s+|an?\s+)?"
                      r"(?P<acronym>[a-z]{2,})\s*(?:stand\s+for|mean)?\s*\?*\s*"
                      r"(?:\(.*\))?\s*$", re.IGNORECASE)


# What a question asks for, and how a sentence that holds such a thing looks.
_QUESTION_KINDS = {
    "time": re.compile(r"^\s*(?:when\b|what (?:year|date|day|month|time)\b|(?:in )?which year)",
                       re.IGNORECASE),
    "number": re.compile(r"\bhow (?:many|much|long|old|far|big|tall|large|high|often|fast)\b|"
                         r"\bwhat (?:percentage|percent|number|amount|price)\b", re.IGNORECASE),
    "person": re.compile(r"^\s*(?:who|whom)\b", re.IGNORECASE),
    "place": re.compile(r"^\s*where\b", re.IGNORECASE),
}
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_ANSWER_KINDS = {
    "time": re.compile(rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS})\b|\bcentury\b|"
                       rf"\b(?:{_DAYS})\b|\b(?:yesterday|today|tomorrow|tonight)\b|\bago\b|"
                       r"\b(?:last|next|this|earlier this|later this)\s+(?:week|weekend|month|"
                       r"year|season|spring|summer|autumn|winter|morning|afternoon|evening)\b"),
    "number": re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                         r"twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|"
                         r"dozen|half)\b", re.IGNORECASE),
    "person": re.compile(r"(?<=[a-z,] )[A-Z][a-z]+ [A-Z][a-z]+"),
    "place": re.compile(r"\b(?:in|at|near|from|on) (?:the )?[A-Z][a-z]+"),
}


# Questions after an amount without "how many": "What is the population of Swansea?"
_ASKS_AMOUNT = re.compile(r"^\s*what(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\b.*\b(?:population|"
                          r"salary|salaries|cost|price|distance|height|weight|length|size|"
                          r"revenue|worth|earnings|income|wage|wages|fee|fees)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Hit:
    """One answering sentence, where it came from and why it ranked."""

    text: str
    score: float
    source: str
    start: int
    end: int
    passage: int
    title: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    speaker: str | None = None
    row: int = -1


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each kind of evidence counts; see the module docstring."""

    dense: float = 0.120
    lexical: float = 0.010
    coverage: float = 0.0
    title: float = 0.222
    context: float = 0.0
    document: float = 0.295
    document_dense: float = 0.187
    lead: float = 0.023
    kind: float = 0.014
    focus: float = 0.066
    focus_coverage: float = 0.064
    speaker: float = 0.137
    # Confidence: every hit of a question gains this times the lead of its best sentence
    # over the runner-up, so a clear winner is answered and a close call declined.
    margin: float = 1.0
    # ... and loses this when the question asks for a number or a time and the best sentence
    # holds none: "What is the population of Swansea?" answered by a sentence on Swansea.
    unmet: float = 0.4
    # ... and gains this times the best sentence's focus, less this times its title match: a
    # sentence that only shares the question's subject rarely answers it.
    focus_confidence: float = 0.2
    title_confidence: float = 0.3


@dataclass(frozen=True)
class Features:
    """Every sentence's evidence for one question, each on a 0-1 scale."""

    dense: NDArray[np.float32]
    lexical: NDArray[np.float32]
    coverage: NDArray[np.float32]
    title: NDArray[np.float32]
    context: NDArray[np.float32]
    document: NDArray[np.float32]
    document_dense: NDArray[np.float32]
    lead: NDArray[np.float32]
    kind: NDArray[np.float32]
    focus: NDArray[np.float32]
    focus_coverage: NDArray[np.float32]
    speaker: NDArray[np.float32]


def top_k(scores: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
    """Indices and values of the k largest scores, best first."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return []
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [(int(i), float(scores[i])) for i in idx]


def fuse(f: Features, w: Weights) -> NDArray[np.float32]:
    """The fused score of every sentence (module docstring), in [0, 1]."""
    score = (w.dense * f.dense + w.lexical * f.lexical + w.coverage * f.coverage
             + w.title * f.title
             + w.context * f.context + w.document * f.document
             + w.document_dense * f.document_dense + w.lead * f.lead
             + w.kind * f.kind + w.focus * f.focus
             + w.focus_coverage * f.focus_coverage) / max(_total(w), 1e-9)
    return np.minimum(score + w.speaker * f.speaker, 1.0).astype(np.float32)


def assurance(f: Features, w: Weights) -> NDArray[np.float32]:
    """What each sentence would add to the confidence as the best one (module docstring)."""
    return (w.focus_confidence * f.focus - w.title_confidence * f.title).astype(np.float32)


def _total(w: Weights) -> float:
    """The sum of the weights `fuse` normalises by (all but the speaker's)."""
    return (w.dense + w.lexical + w.coverage + w.title + w.context + w.document
            + w.document_dense + w.lead + w.kind + w.focus + w.focus_coverage)


def focus(dense: NDArray[np.float32], title: NDArray[np.float32],
          sentence_title: NDArray[np.float32]) -> NDArray[np.float32]:
    """Cosine of question and sentence once the title's direction is taken out of both.

    Args:
        dense: cosine of question and sentence; title: of question and the sentence's
            document title; sentence_title: of sentence and title (all unit vectors).
    """
    rest = np.sqrt(np.maximum(1.0 - title * title, 1e-6) * np.maximum(
        1.0 - sentence_title * sentence_title, 1e-6))
    return np.clip((dense - title * sentence_title) / rest, 0.0, 1.0).astype(np.float32)


def neighbour_max(values: NDArray[np.float32], doc: NDArray[np.int32]) -> NDArray[np.float32]:
    """For each row, the larger value of the rows just before and after it in its document."""
    out = np.zeros_like(values)
    if values.shape[0] < 2:
        return out
    same = doc[1:] == doc[:-1]
    prev = np.where(same, values[:-1], 0.0)
    nxt = np.where(same, values[1:], 0.0)
    out[1:] = prev
    out[:-1] = np.maximum(out[:-1], nxt)
    return out


def document_max(values: NDArray[np.float32], firsts: NDArray[np.int64],
                 doc: NDArray[np.int32]) -> NDArray[np.float32]:
    """For each row, the largest value in its document (rows are in document order)."""
    if values.shape[0] == 0:
        return values
    per_doc = np.maximum.reduceat(values, firsts)
    return per_doc[doc]


class Retriever:
    """Scores every sentence of a store against a question."""

    def __init__(self, store: Store, embedder: Embedder, context: int = 1,
                 weights: Weights | None = None, dense: DenseIndex | None = None,
                 full_scan_below: int = FULL_SCAN_BELOW) -> None:
        self.store = store
        self.dense = dense or DenseIndex(store.vectors, None, "exact")
        self.embedder = embedder
        self.context = context
        self.weights = weights or Weights()
        self.full_scan_below = full_scan_below
        self._known_kinds: dict[str, NDArray[np.int8]] = {}

    @cached_property
    def analysis(self) -> Analysis:
        """Acronyms, aliases and speakers of the corpus (saved in the store at index time)."""
        return for_store(self.store)

    @cached_property
    def _doc(self) -> NDArray[np.int32]:
        return np.asarray(self.store.rows[:, 0], dtype=np.int32)

    @cached_property
    def _firsts(self) -> NDArray[np.int64]:
        return np.asarray([d.first for d in self.store.documents if d.count], dtype=np.int64)

    @cached_property
    def _headings(self) -> NDArray[np.bool_]:
        """Rows that are their document's title line: context for the others, not answers."""
        mask = np.zeros(self.store.count, dtype=bool)
        for d in self.store.documents:
            if d.count > 1 and _normal(self.store.text(d.first)).lstrip("# ") == _normal(d.title):
                mask[d.first] = True
        return mask

    @cached_property
    def _thin(self) -> NDArray[np.bool_]:
        """Rows with fewer than THIN_TERMS distinct index terms; a piece of a quote that runs
        over several sentences counts the words of the whole quote, as it is shown whole."""
        counts = np.bincount(self.store.lexicon.rows, minlength=self.store.count)
        quote = self.analysis.quote
        if len(quote) == self.store.count and self.store.count:
            total = np.concatenate([[0], np.cumsum(counts)])
            counts = total[quote[:, 1] + 1] - total[quote[:, 0]]
        return counts < THIN_TERMS

    @cached_property
    def _lead(self) -> NDArray[np.float32]:
        """1 for a document's first sentence after its heading, 1/2 for the next, and so on."""
        position = np.arange(self.store.count, dtype=np.float32)
        for d in self.store.documents:
            position[d.first : d.first + d.count] -= d.first + int(self._headings[d.first])
        return (1.0 / (1.0 + np.maximum(position, 0.0))).astype(np.float32)

    @cached_property
    def _speaker_names(self) -> NDArray[np.int32]:
        return np.asarray(self.analysis.speaker, dtype=np.int32)

    def understand(self, question: str) -> str:
        """The question as searched: acronyms spelled out, short names completed."""
        return self.analysis.expand(question, self._unknown)

    def _unknown(self, word: str) -> bool:
        """Whether the corpus never uses this word."""
        vocab = self.store.lexicon.vocab
        return not any(t in vocab for t in terms(word))

    def features(self, question: str) -> Features:
        """Every sentence's evidence for `question` (already expanded or not)."""
        store = self.store
        query = self.embedder.encode_query(question)
        dense = np.clip(self.dense.scores(query), 0.0, 1.0)
        query_terms = terms(question)
        lexical = self._lexical(query_terms)
        coverage = self._coverage(query_terms)
        titles = np.clip(np.asarray(store.title_vectors @ query, dtype=np.float32), 0.0, 1.0)
        doc = self._doc
        focused = focus(dense, titles[doc], self._sentence_titles)
        focus_coverage = self._focus_coverage(query_terms)
        # Document evidence comes from the whole question, names included: it finds where
        # the speaker is. Within it, the speaker's own sentences are judged on the topic.
        document = document_max(lexical, self._firsts, doc)
        document_dense = document_max(dense, self._firsts, doc)
        context = neighbour_max(dense, doc)
        speaker, unnamed = self._speaker_match(question)
        speaker[self._described(question)] = 1.0
        if unnamed:
            # "What did Stoltenberg say about terrorism?": his quotes attributed by "he said"
            # do not name him, so among his sentences his name must not favour those that do.
            mine = speaker > 0
            topic_terms = terms(_SPEECH_ONLY.sub(" ", unnamed))
            topic = self.embedder.encode_query(unnamed)
            topic_dense = np.clip(self.dense.scores(topic), 0.0, 1.0)
            topic_titles = np.clip(np.asarray(store.title_vectors @ topic, dtype=np.float32),
                                   0.0, 1.0)
            dense = np.where(mine, topic_dense, dense).astype(np.float32)
            lexical = np.where(mine, self._lexical(topic_terms), lexical).astype(np.float32)
            coverage = np.where(mine, self._coverage(topic_terms), coverage).astype(np.float32)
            focused = np.where(mine, focus(topic_dense, topic_titles[doc],
                                           self._sentence_titles), focused).astype(np.float32)
            focus_coverage = np.where(mine, self._focus_coverage(topic_terms),
                                      focus_coverage).astype(np.float32)
        return Features(dense, lexical, coverage, titles[doc], context, document,
                        document_dense, self._lead, self._kind_match(question), focused,
                        focus_coverage, speaker)

    def _lexical(self, query_terms: list[str],
                 rows: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """BM25 of every sentence (or of `rows`) over the best score a sentence could reach."""
        lexicon = self.store.lexicon
        lex, best = lexicon.scores(query_terms, rows)
        # A word the corpus never uses counts against every sentence, but less than a word it
        # uses and a sentence lacks: one unusual verb must not sink an answerable question.
        unknown = sum(1 for t in dict.fromkeys(query_terms) if t not in lexicon.vocab)
        best -= UNKNOWN_DISCOUNT * unknown * lexicon.max_idf() * (K1 + 1)
        return np.asarray(lex / best if best > 0 else lex, dtype=np.float32)

    def _coverage(self, query_terms: list[str],
                  rows: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """Share of the question's words (idf-weighted) a sentence (of `rows`) holds."""
        lexicon = self.store.lexicon
        out = np.zeros(self.store.count if rows is None else rows.shape[0], dtype=np.float32)
        total = 0.0
        for term in dict.fromkeys(query_terms):
            tid = lexicon.vocab.get(term)
            if tid is None:
                total += UNKNOWN_DISCOUNT * lexicon.max_idf()
                continue
            idf = float(lexicon.idf[tid])
            total += idf
            postings = lexicon.postings(tid)
            if rows is None:
                out[postings] += idf
            else:
                out[members(postings, rows)[0]] += idf
        return out / total if total > 0 else out

    def _focus_coverage(self, query_terms: list[str],
                        rows: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """Like `_coverage`, over the question's words that the sentence's document title
        lacks: "how did Kennedy die?" asks about dying in the document on Kennedy."""
        lexicon = self.store.lexicon
        doc = self._doc if rows is None else self._doc[rows]
        out = np.zeros(doc.shape[0], dtype=np.float32)
        total = np.zeros(len(self.store.documents), dtype=np.float32)  # per document
        for term in dict.fromkeys(query_terms):
            tid = lexicon.vocab.get(term)
            idf = UNKNOWN_DISCOUNT * lexicon.max_idf() if tid is None else float(lexicon.idf[tid])
            titled = np.zeros(len(self.store.documents), dtype=bool)
            titled[self._title_terms.get(term, [])] = True
            total += np.where(titled, 0.0, idf).astype(np.float32)
            if tid is None:
                continue
            postings = lexicon.postings(tid)
            held = postings if rows is None else np.flatnonzero(members(postings, rows)[0])
            out[held] += np.where(titled[doc[held]], 0.0, idf).astype(np.float32)
        total_at = total[doc]
        return np.where(total_at > 0, out / np.maximum(total_at, 1e-9), 0.0).astype(np.float32)

    @cached_property
    def _title_terms(self) -> dict[str, list[int]]:
        """For every word of a document title, the documents whose title holds it."""
        out: dict[str, list[int]] = {}
        for i, d in enumerate(self.store.documents):
            for term in dict.fromkeys(terms(d.title)):
                out.setdefault(term, []).append(i)
        return out

    @cached_property
    def _sentence_titles(self) -> NDArray[np.float32]:
        """Every row's cosine with its document's title.

        A big store keeps them in its generation folder (`title-cosines.f32`, made on first
        use): computing them reads every vector, a second or more for a million rows.
        """
        store, count = self.store, self.store.count
        big = count >= self.full_scan_below
        kept = store.generation / TITLE_COSINES if big and store.generation else None
        if kept is not None:
            with contextlib.suppress(OSError, ValueError):
                if kept.stat().st_size == 4 * count:
                    return np.memmap(kept, dtype=np.float32, mode="r", shape=(count,))
        out = np.zeros(count, dtype=np.float32)
        for lo in range(0, count, 16_384):
            hi = min(lo + 16_384, count)
            # a view of a small store (its vectors are read whole for every question anyway);
            # a read of a big one, so its pages are not mapped into the process
            block = (gather(store.vectors, np.arange(lo, hi, dtype=np.int64)) if big
                     else store.vectors[lo:hi])
            doc = self._doc[lo:hi]
            starts = np.flatnonzero(np.concatenate([[True], doc[1:] != doc[:-1]]))
            for a, b in zip(starts.tolist(), [*starts[1:].tolist(), hi - lo]):
                out[lo + a:lo + b] = block[a:b] @ store.title_vectors[doc[a]]
        if kept is not None:
            with contextlib.suppress(OSError):  # a read-only store computes them each run
                replace_file(kept, out.tobytes())
        return out

    @cached_property
    def _kinds(self) -> dict[str, NDArray[np.float32]]:
        """Per answer kind, which sentences hold that kind of thing (a year, a number, ...)."""
        texts = [self.store.text(r) for r in range(self.store.count)]
        return {kind: np.asarray([1.0 if rx.search(t) else 0.0 for t in texts], dtype=np.float32)
                for kind, rx in _ANSWER_KINDS.items()}

    def _kind_match(self, question: str) -> NDArray[np.float32]:
        for kind, rx in _QUESTION_KINDS.items():
            if rx.search(question):
                return self._kinds[kind]
        return np.zeros(self.store.count, dtype=np.float32)

    def _speaker_match(self, question: str) -> tuple[NDArray[np.float32], str]:
        """Which sentences the speaker a question names said, and the question without them.

        The second is the question with the speaker's names and roles left out ("What did say
        about terrorism?"); it is empty when the question names no speaker.
        """
        out = np.zeros(self.store.count, dtype=np.float32)
        found = self._speaker_parts(question)
        if found is None:
            return out, ""
        ids, doing, unnamed = found
        out[np.isin(self._speaker_names, ids)] = 1.0
        out[doing] = 1.0
        return out, unnamed

    def _speaker_parts(self, question: str) -> tuple[list[int], list[int], str] | None:
        """The speaker ids a question names, the rows where they do what it asks, and the
        question without their names (empty when nothing else is left); None for no speaker."""
        if not _SPEECH_CUE.search(question) and not re.search(r"\w\s+on\s", question):
            return None
        asker = _WHO_DID.match(question)
        if asker and _SPEECH_CUE.fullmatch(asker.group("verb")):
            return None  # "who thanked Stoltenberg?": the one it names is thanked, not thanking
        analysis = self.analysis
        names = self._speakers_asked(question, analysis.mentioned(question))
        ids = [i for i, s in enumerate(analysis.speakers) if s in names]
        if not ids or len(self._speaker_names) != self.store.count:
            return None
        doing = self._doing(question, names)
        name_words = {w for n in names for w in words(n)}
        name_words |= {w for key in analysis.alias_keys(question) for w in words(key)
                       if set(analysis.aliases[key]) & names}
        kept = [w for w in question.split() if not any(
            x in name_words or x.removesuffix("'s") in name_words for x in words(w))]
        return ids, doing, " ".join(kept) if terms(" ".join(kept)) else ""

    def _described(self, question: str) -> NDArray[np.int64]:
        """The rows that say what the question's subject is: for "who is X?", where X is a
        person the corpus knows (by name, surname or role), those that say who X is
        (`qa.analysis.describes`); for "what is the KSF?", those that spell the acronym out.
        No rows for any other question."""
        none = np.zeros(0, dtype=np.int64)
        analysis = self.analysis
        acronym = _WHAT_IS.match(question)
        if acronym is not None:
            word = acronym.group("acronym")
            known = (analysis.meaning(word, self._unknown) if word.isupper() or word.islower()
                     else None)
            return self._holding(known) if known else none
        asked = _WHO_IS.match(question)
        if asked is None:
            return none
        names = analysis.mentioned(question) or _typed_name(asked.group("rest"))
        if not names:
            return none
        name_words = {w for n in names for w in words(n)}
        name_words |= {w for key in analysis.alias_keys(question) for w in words(key)}
        if terms(" ".join(w for w in words(asked.group("rest")) if w not in name_words)):
            return none  # "who is Vucic's wife?" asks about someone else
        lexicon = self.store.lexicon
        found: list[int] = []
        for name in names:
            tid = next((lexicon.vocab.get(t) for t in terms(name.split()[-1])), None)
            if tid is None:
                continue
            for row in lexicon.postings(tid).tolist():
                if describes(name, self.store.text(row)):
                    found.append(row)
        return np.asarray(sorted(set(found)), dtype=np.int64)

    def _holding(self, phrase: str) -> NDArray[np.int64]:
        """Rows whose text holds `phrase` (case and spacing aside)."""
        lexicon = self.store.lexicon
        ids = [lexicon.vocab[t] for t in terms(phrase) if t in lexicon.vocab]
        if not ids:
            return np.zeros(0, dtype=np.int64)
        rarest = min(ids, key=lambda i: lexicon.postings(i).shape[0])
        wanted = " ".join(words(phrase))
        rows = lexicon.postings(rarest).tolist()
        return np.asarray([r for r in rows if wanted in " ".join(words(self.store.text(r)))],
                          dtype=np.int64)

    def _speakers_asked(self, question: str, names: set[str]) -> set[str]:
        """Of the persons a speech question names, those it asks to hear from: in "what did
        Vucic say about Stoltenberg?" the one before the topic ("about", "on", ...) speaks,
        the other is what he spoke of. All of them when that does not tell them apart."""
        if len(names) < 2:
            return names
        low = question.lower()
        cue = _SPEECH_CUE.search(low)
        marker = _TOPIC_MARKER.search(low, cue.end() if cue else 0)
        if marker is None:
            return names
        where: dict[str, int] = {}
        for key in self.analysis.alias_keys(question):
            at = low.find(key)
            for name in self.analysis.aliases[key]:
                if name in names and at >= 0:
                    where[name] = min(where.get(name, at), at)
        for name in names:
            if name.lower() in low:
                where[name] = min(where.get(name, len(low)), low.find(name.lower()))
        first = {n for n in names if where.get(n, len(low)) < marker.start()}
        return first if first and first != names else names

    def _doing(self, question: str, names: set[str]) -> list[int]:
        """Rows where a named person does what the question asks about ("Okafor thanked ..."):
        the corpus analysis attributes speech, and thanking or praising is not always that."""
        acts = [t for w in words(question) if _SPEECH_CUE.fullmatch(w)
                and not _SPEECH_ONLY.fullmatch(w) for t in terms(w)]
        lexicon = self.store.lexicon
        ids = [lexicon.vocab[t] for t in acts if t in lexicon.vocab]
        if not ids:
            return []
        people = "|".join(re.escape(p) for n in names for p in {n, n.split()[-1]})
        pattern = re.compile(rf"\b(?:{people})\s+(?:\w+ly\s+|also\s+|has\s+|had\s+)?"
                             rf"(?:{'|'.join(re.escape(t) for t in acts)})\w*")
        rows = np.concatenate([lexicon.postings(i) for i in ids])
        return [int(r) for r in rows if pattern.search(self.store.text(int(r)))]

    def scores(self, question: str) -> NDArray[np.float32]:
        """Fused score of every sentence; headings score 0."""
        return self._scored(question)[0]

    def _scored(self, question: str) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """`scores`, and every sentence's `assurance`."""
        f = self.features(self.understand(question))
        fused = fuse(f, self.weights)
        fused[self._headings] = 0.0
        fused[self._thin] -= THIN
        return fused, assurance(f, self.weights)

    def search(self, question: str, k: int, skip: frozenset[int] = frozenset()) -> list[Hit]:
        """The k best sentences, near-duplicates collapsed, rows in `skip` left out."""
        rows = None
        with self.dense.one_blas_thread():
            if self.store.count < self.full_scan_below:
                fused, sure = self._scored(question)
            else:
                rows, fused, sure = self._candidates(question)
            return self._rank(top_k(fused, _ranked(k, skip)), rows, k, skip, question, sure)

    def rank(self, scores: NDArray[np.float32], k: int,
             skip: frozenset[int] = frozenset(), question: str = "") -> list[Hit]:
        """Hits for already computed scores; `question`, when given, tempers the confidence."""
        return self._rank(top_k(scores, _ranked(k, skip)), None, k, skip, question)

    def candidate_scores(self, question: str
                         ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Candidate rows (ascending, whole documents) and their fused scores, as `scores`
        would give them; headings score 0."""
        rows, fused, _ = self._candidates(question)
        return rows, fused

    def _candidates(self, question: str) -> tuple[
            NDArray[np.int64], NDArray[np.float32], NDArray[np.float32]]:
        """`candidate_scores`, and each candidate's `assurance`."""
        store, w = self.store, self.weights
        question = self.understand(question)
        query = self.embedder.encode_query(question)
        top, dense_at = self._dense_at(query)
        query_terms = terms(question)
        seeds = [top, self._lexical_best(query_terms)]
        titles = np.clip(np.asarray(store.title_vectors @ query, dtype=np.float32), 0.0, 1.0)
        n_titles = min(TITLE_CANDIDATES, titles.shape[0])
        title_docs = (np.argpartition(-titles, n_titles - 1)[:n_titles] if n_titles
                      else np.zeros(0, dtype=np.int64))
        found = self._speaker_parts(question)
        described = self._described(question)
        seeds.append(described)
        topic_at = None
        if found is not None:
            ids, doing, unnamed = found
            seeds += [np.flatnonzero(np.isin(self._speaker_names, ids)),
                      np.asarray(doing, dtype=np.int64)]
            if unnamed:
                topic = self.embedder.encode_query(unnamed)
                topic_top, topic_at = self._dense_at(topic)
                seeds.append(topic_top)
        rows = self._whole_documents(np.concatenate(
            [self._doc[np.concatenate(seeds).astype(np.int64)], title_docs]))
        if rows.size == 0:
            return rows, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        doc = self._doc[rows]
        dense = dense_at(rows)
        lexical = self._lexical(query_terms, rows)
        coverage = self._coverage(query_terms, rows)
        change = np.concatenate([[False], doc[1:] != doc[:-1]])
        local = np.cumsum(change)
        starts = np.flatnonzero(np.concatenate([[True], change[1:]]))
        document = document_max(lexical, starts, local)
        document_dense = document_max(dense, starts, local)
        context = neighbour_max(dense, doc)
        focused = focus(dense, titles[doc], self._sentence_titles[rows])
        focus_coverage = self._focus_coverage(query_terms, rows)
        speaker = np.zeros(rows.shape[0], dtype=np.float32)
        speaker[np.isin(rows, described)] = 1.0
        if found is not None:
            ids, doing, unnamed = found
            speaker[np.isin(self._speaker_names[rows], ids)] = 1.0
            speaker[np.isin(rows, doing)] = 1.0
            if unnamed and topic_at is not None:
                mine = speaker > 0
                topic_terms = terms(_SPEECH_ONLY.sub(" ", unnamed))
                topic_dense = topic_at(rows)
                topic_titles = np.clip(np.asarray(store.title_vectors[doc] @ topic,
                                                  dtype=np.float32), 0.0, 1.0)
                dense = np.where(mine, topic_dense, dense).astype(np.float32)
                lexical = np.where(mine, self._lexical(topic_terms, rows),
                                   lexical).astype(np.float32)
                coverage = np.where(mine, self._coverage(topic_terms, rows),
                                    coverage).astype(np.float32)
                focused = np.where(mine, focus(topic_dense, topic_titles,
                                               self._sentence_titles[rows]),
                                   focused).astype(np.float32)
                focus_coverage = np.where(mine, self._focus_coverage(topic_terms, rows),
                                          focus_coverage).astype(np.float32)
        kind = np.zeros(rows.shape[0], dtype=np.float32)
        features = Features(dense, lexical, coverage, titles[doc], context, document,
                            document_dense, self._lead[rows], kind, focused, focus_coverage,
                            speaker)
        fused = fuse(features, w)
        asked = next((k for k, rx in _QUESTION_KINDS.items() if rx.search(question)), None)
        if asked is not None:
            # A row with the answer kind gains at most this; rows that cannot reach the
            # ranked list even so keep 0, which leaves the ranked list as `scores` has it.
            m = min(CANDIDATES, fused.shape[0])
            cutoff = float(np.partition(fused, -m)[-m]) - w.kind / max(_total(w), 1e-9) - 1e-6
            need = np.flatnonzero(fused >= cutoff)
            kind[need] = self._kind_at(asked, rows[need])
            fused = fuse(features, w)
        fused[self._headings[rows]] = 0.0
        fused[self._thin[rows]] -= THIN
        return rows, fused, assurance(features, w)

    def _dense_at(self, query: NDArray[np.float32]) -> tuple[
            NDArray[np.int64], Callable[[NDArray[np.int64]], NDArray[np.float32]]]:
        """The best dense rows, and the clipped cosine of any rows as well as the dense
        search knows it (`DenseIndex.search`)."""
        top, _, known = self.dense.search(query, DENSE_CANDIDATES)

        def clipped(rows: NDArray[np.int64]) -> NDArray[np.float32]:
            return np.clip(known(rows), 0.0, 1.0)

        return top, clipped

    def _lexical_best(self, query_terms: list[str]) -> NDArray[np.int64]:
        """The rows with the highest BM25 for the question, from the postings alone."""
        lexicon = self.store.lexicon
        ids = [lexicon.vocab[t] for t in dict.fromkeys(query_terms) if t in lexicon.vocab]
        if not ids:
            return np.zeros(0, dtype=np.int64)
        rows = np.concatenate([lexicon.postings(i) for i in ids])
        weights = np.concatenate([lexicon.weights[lexicon.indptr[i] : lexicon.indptr[i + 1]]
                                  for i in ids])
        uniq, inverse = np.unique(rows, return_inverse=True)
        total = np.bincount(inverse.ravel(), weights=weights)
        k = min(LEXICAL_CANDIDATES, uniq.shape[0])
        return np.asarray(uniq[np.argpartition(-total, k - 1)[:k]], dtype=np.int64)

    @cached_property
    def _spans(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """First row and row count of every document, by document number."""
        docs = self.store.documents
        return (np.asarray([d.first for d in docs], dtype=np.int64),
                np.asarray([d.count for d in docs], dtype=np.int64))

    def _whole_documents(self, docs: NDArray[np.int64]) -> NDArray[np.int64]:
        """Every row of these documents, ascending."""
        firsts, counts = self._spans
        docs = np.unique(docs)
        firsts, counts = firsts[docs], counts[docs]
        # row i of the output is firsts[d] + (i - where document d starts in the output)
        starts = np.cumsum(counts) - counts
        return np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(firsts - starts, counts)

    def _kind_at(self, kind: str, rows: NDArray[np.int64]) -> NDArray[np.float32]:
        """Whether each of these sentences holds `kind`, remembered row by row."""
        known = self._known_kinds.get(kind)
        if known is None:
            known = self._known_kinds[kind] = np.full(self.store.count, -1, dtype=np.int8)
        rx = _ANSWER_KINDS[kind]
        for r in rows[known[rows] < 0].tolist():
            known[r] = 1 if rx.search(self.store.text(r)) else 0
        return known[rows].astype(np.float32)

    def _rank(self, ranked: list[tuple[int, float]], rows: NDArray[np.int64] | None, k: int,
              skip: frozenset[int], question: str,
              sure: NDArray[np.float32] | None = None) -> list[Hit]:
        """Hits for ranked (position, score) pairs; positions index `rows` (and `sure`, the
        `assurance` of each position) when given."""
        bonus = float(sure[ranked[0][0]]) if sure is not None and ranked else 0.0
        if rows is not None:
            ranked = [(int(rows[i]), v) for i, v in ranked]
        hits: list[Hit] = []
        kept: list[set[str]] = []
        lead = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = self.weights.margin * lead + bonus
        if ranked and question and self._unmet(question, ranked[0][0]):
            confidence -= self.weights.unmet
        for row, score in ranked:
            if row in skip:
                continue
            bag = set(words(self.store.text(row)))
            if any(_near_duplicate(bag, other) for other in kept):
                continue
            kept.append(bag)
            hits.append(self.hit(row, max(0.0, min(1.0, score + confidence))))
            if len(hits) == k:
                break
        return hits

    def _unmet(self, question: str, row: int) -> bool:
        """The question asks for a number or a time, and the sentence at `row` holds none."""
        kind = next((k for k in ("time", "number") if _QUESTION_KINDS[k].search(question)),
                    "number" if _ASKS_AMOUNT.search(question) else "")
        return bool(kind) and not _ANSWER_KINDS[kind].search(self.store.text(row))

    def hit(self, row: int, score: float) -> Hit:
        """The Hit for a row: its sentence, context (a whole split quote) and speaker."""
        s = self.store.sentence(row)
        doc = self.store.document_of(row)
        lo, hi = doc.first, doc.first + doc.count
        first, last = row - self.context, row + self.context
        quote = self.analysis.quote
        if len(quote) == self.store.count:
            first = min(first, max(int(quote[row, 0]), row - MAX_QUOTE_CONTEXT))
            last = max(last, min(int(quote[row, 1]), row + MAX_QUOTE_CONTEXT))
        before = tuple(self.store.text(r) for r in range(max(lo, first), row))
        after = tuple(self.store.text(r) for r in range(row + 1, min(hi, last + 1)))
        speaker = self.analysis.speaker_of(row) if len(self._speaker_names) else None
        return Hit(s.text, round(score, 4), s.source, s.start, s.end, s.passage, doc.title,
                   before, after, speaker, row)


def asks_who_is(question: str) -> bool:
    """Whether a question asks who someone is: "who is Vucic?", "and who was the NATO chief?"."""
    return _WHO_IS.match(question) is not None


def _typed_name(rest: str) -> set[str]:
    """The name a "who is ...?" question types, when the corpus analysis does not know the
    person (they never speak): "Marcello Viotti", or "marcello viotti" typed in lower case."""
    rest = as_typed(rest).strip(" ?!.")
    parts = rest.split()
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(r"[^\W\d_][\w'’\-]*", p) for p in parts):
        return set()
    if any(p.lower() in STOPWORDS for p in parts):
        return set()  # "who is the author", "who is going"
    if rest == rest.lower():
        parts = [p[:1].upper() + p[1:] for p in parts]
    elif not all(p[:1].isupper() for p in parts):
        return set()
    return {" ".join(parts)}


def _ranked(k: int, skip: frozenset[int]) -> int:
    """How many best rows `rank` looks through for k hits."""
    return min(CANDIDATES, max(4 * k, k + len(skip) + 10))




def _near_duplicate(a: set[str], b: set[str]) -> bool:
    """Word sets of which the smaller is (almost) inside the larger: one repeats the other."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return True
    if small == large:
        return True
    return (len(small) >= 4 and len(large) <= 1.6 * len(small)
            and len(small & large) >= 0.85 * len(small))


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).strip("“”\"'’‘ .,")


__all__ = ["Features", "Hit", "Retriever", "Weights", "asks_who_is", "assurance", "fuse",
           "top_k"]
