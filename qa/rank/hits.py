"""Hit: one answering sentence as the user sees it, with its context and speaker."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile

from qa.rank.facts import StoreFacts
from qa.rank.weights import MAX_QUOTE_CONTEXT
from qa.text import one_line


@dataclass(frozen=True, slots=True)
class Hit:
    """One answering sentence, where it came from and why it ranked.

    `score` is the sentence's fused relevance (qa.rank.features) plus its question's
    confidence (qa.rank.confidence), clipped to [0, 1] and rounded to 4 places: what the
    abstain threshold is compared with.
    """

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
    page: int | None = None  # a paged format's page, from 1 (PDF); None where pages mean nothing
    section: tuple[str, ...] = ()  # the heading path, outermost first, where the format has one
    # The file's absolute path. `source` is that path as ranking found it; a Bot's answers give
    # it relative to the corpus root (qa.bot.Bot.label), with the absolute path here.
    path: str = ""


def make_hit(facts: StoreFacts, row: int, score: float, context: int) -> Hit:
    """The Hit for a row: its sentence, `context` sentences either side within its document
    (more for a quote split over sentences, shown whole up to MAX_QUOTE_CONTEXT) and speaker."""
    store = facts.store
    s = store.sentence(row)
    doc = store.document_of(row)
    lo, hi = doc.first, doc.first + doc.count
    first, last = row - context, row + context
    quote = facts.analysis.quote
    if len(quote) == store.count:
        first = min(first, max(int(quote[row, 0]), row - MAX_QUOTE_CONTEXT))
        last = max(last, min(int(quote[row, 1]), row + MAX_QUOTE_CONTEXT))
    where = store.location(row)

    def section(rows: range) -> list[str]:
        """The sentences of `rows`, outward from the hit, up to the first of another section:
        the next section's heading is no context of the last sentence before it, nor its own
        heading of its first sentence, as the hit cites it ("notes.md › Install"). The rows
        kept run on from the hit, as readers of `before` and `after` count on."""
        kept = takewhile(lambda r: store.location(r).headings == where.headings
                         and not facts.heads(r, where.headings), rows)
        return [one_line(store.text(r)) for r in kept]

    before = tuple(reversed(section(range(row - 1, max(lo, first) - 1, -1))))
    after = tuple(section(range(row + 1, min(hi, last + 1))))
    speaker = facts.analysis.speaker_of(row) if len(facts.speaker_ids) else None
    return Hit(one_line(s.text), round(score, 4), s.source, s.start, s.end, s.passage, doc.title,
               before, after, speaker, row, where.page, where.headings)


__all__ = ["Hit", "make_hit"]
