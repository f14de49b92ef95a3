"""Who said what: the speaker of each sentence that is a quote or reported speech.

"X said", "said X", "according to X" name the speaker; "he said", "the NATO chief said" and
"according to him" refer to the person the document last made the subject of a sentence; a
quote split over adjacent sentences shares one speaker. Roles seen with a speaker ("the NATO
chief said") are counted as aliases of that person.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from qa.knowledge.people import People, clean_name, role_before
from qa.text import (
    ADVERBS_BEFORE_VERB,
    ATTRIBUTION_VERBS,
    CAPITALISED_WORD,
    CLOSE_QUOTE,
    NAME,
    OPEN_QUOTE,
    ROLE_WORDS,
    VERBS_BEFORE_PRONOUN,
    VERBS_BEFORE_SPEAKER,
    LazyPattern,
    alternation,
)

_ADVERB = rf"(?:(?:{alternation(ADVERBS_BEFORE_VERB)})\s+)?"
_VERB = rf"(?:{alternation(ATTRIBUTION_VERBS)})\b"
_ROLE_WORD = rf"(?:{alternation(ROLE_WORDS)})"
# "Vucic said", "Jens Stoltenberg has also warned"
_SUBJECT_SAYS = LazyPattern(rf"(?<![\w'’])(?P<name>{NAME})\s+{_ADVERB}{_VERB}")
# "Taha Idris, director of the Race Equality Council, said ..."
_APPOSITIVE_SAYS = LazyPattern(rf"(?<![\w'’])(?P<name>{NAME}),\s+(?:[^,]{{2,90}},\s+){{1,2}}"
                               rf"{_ADVERB}{_VERB}")
_ACCORDING = LazyPattern(rf"\b[Aa]ccording to (?:the\s+)?(?P<name>{NAME}|him|her)\b")
# "he said", "said she"
_PRONOUN = LazyPattern(rf"\b(?P<pro>[Hh]e|[Ss]he)\s+{_ADVERB}{_VERB}"
                       rf"|\b(?:{alternation(VERBS_BEFORE_PRONOUN)})\s+(?P<pro2>he|she)\b")
# "said Smith", "added BRC director general Kevin Hawkins"
_SAYS_SUBJECT = LazyPattern(rf"\b(?:{alternation(VERBS_BEFORE_SPEAKER)})\s+"
                            rf"(?:(?:the\s+)?(?:{CAPITALISED_WORD}\s+)?(?:[a-z][\w\-]*\s+){{0,3}}?"
                            rf"{_ROLE_WORD}\s+)?(?P<name>{NAME})")
# "the NATO chief said"
_ROLE = LazyPattern(rf"\b[Tt]he\s+(?P<role>(?:[\w'’\-]+\s+){{0,3}}?{_ROLE_WORD})\s+"
                    rf"{_ADVERB}{_VERB}")
# A colon that opens a quote: "Manchester United boss Sir Alex Ferguson: “It wasn't ...”".
_COLON_QUOTE = LazyPattern(r":\s*[“\"]")
_NAME_AT_END = LazyPattern(rf"(?P<name>{NAME})\s*$")
_NAME_RUN = LazyPattern(rf"(?<![\w'’])(?P<name>{NAME})")
_PRONOUN_FIRST = LazyPattern(r"\s*(?:[Hh]e|[Ss]he)\b")
# A name among the first words of a sentence: its subject.
_LEADING_NAME = LazyPattern(rf"\s*(?:[\w,]+\s+){{0,3}}?(?P<name>{NAME})")


def attribute(sentences: Sequence[str], paras: Sequence[int],
              alias_votes: dict[str, Counter[str]]
              ) -> tuple[list[str | None], list[tuple[int, int]]]:
    """Speaker per sentence of one document and, per sentence, the span of its quote.

    Adds to `alias_votes` the short names and roles under which its speakers appear.
    """
    people = People(sentences)
    n = len(sentences)
    own: list[str | None] = [None] * n
    bare: list[bool] = [False] * n  # an attribution with no content ("According to him.")
    quoted: list[bool] = [False] * n
    open_after: list[bool] = [False] * n
    last_person: str | None = None
    inside = False
    for i, text in enumerate(sentences):
        if inside and (i > 0 and paras[i] != paras[i - 1]
                       or text.lstrip()[:1] in (OPEN_QUOTE, '"')):
            # A new paragraph or a fresh opening quote: the last quote was never closed.
            inside = False
            open_after[i - 1] = False
        masked, has_quote, inside_after = _mask_quotes(text, inside)
        quoted[i] = has_quote
        open_after[i] = inside_after
        inside = inside_after
        speaker, subject = _find_speaker(masked, people, last_person, alias_votes)
        _learn_roles(masked, people, alias_votes)
        if speaker is None:
            speaker, subject = _colon_speaker(text, people, last_person, subject)
        if speaker is None and subject is not None:
            last_person = subject
        if speaker is not None:
            own[i] = speaker
            if subject is not None:
                last_person = subject
            bare[i] = len(masked.split()) <= 5 and not has_quote
    for name in dict.fromkeys(filter(None, own)):  # document order: ties break the same way
        parts = name.split()
        if len(parts) >= 2 and name in people.full:  # aliases of persons who speak
            alias_votes[parts[-1].lower()][name] += 1
            alias_votes[parts[0].lower()][name] += 1
    spans = _quote_spans(open_after, n)
    result: list[str | None] = list(own)
    for a, b in sorted(set(spans)):
        named = [j for j in range(a, b + 1) if own[j]]
        for j in range(a, b + 1):
            if result[j] is None and named:
                # The nearest attribution in the same quote; the later one on a tie.
                result[j] = own[min(named, key=lambda k: (abs(k - j), -k))]
    for i in range(1, n):
        # "According to him." followed by what he said; a quote right after its speaker's line.
        if result[i] is None and result[i - 1] and (bare[i - 1] or (
                quoted[i] and sentences[i].lstrip().startswith((OPEN_QUOTE, '"'))
                and quoted[i - 1])):
            # ... and the rest of that quote, when it runs on ("It trivialises them. /
            # Adoption is a very personal ... experience."), so the next quote follows it too
            for j in range(i, spans[i][1] + 1):
                if result[j] is None:
                    result[j] = result[i - 1]
    return result, spans


def _mask_quotes(text: str, inside: bool) -> tuple[str, bool, bool]:
    """The text with quoted parts blanked, whether any quote is in it, and the state at its end."""
    out = []
    quoted = inside
    for ch in text:
        if ch == OPEN_QUOTE:
            quoted = True
            out.append(" ")
            continue
        if ch == CLOSE_QUOTE:
            quoted = False
            out.append(" ")
            continue
        if ch == '"':
            quoted = not quoted
            out.append(" ")
            continue
        out.append(" " if quoted else ch)
    has_quote = inside or any(c in text for c in (OPEN_QUOTE, CLOSE_QUOTE, '"'))
    return "".join(out), has_quote, quoted


def _colon_speaker(text: str, people: People, last_person: str | None,
                   subject: str | None) -> tuple[str | None, str | None]:
    """A quote introduced by a colon belongs to the name before it or the sentence's subject."""
    for match in _COLON_QUOTE.finditer(text):
        before = text[: match.start()]
        if any(q in before for q in (OPEN_QUOTE, CLOSE_QUOTE, '"')):
            return None, subject
        tail = _NAME_AT_END.search(before)
        m = clean_name(tail.group("name")) if tail else None
        if m is not None:
            name, person = people.resolve(m)
            return name, name if person else subject
        if subject is not None:
            return subject, subject
        if _PRONOUN_FIRST.match(before) and last_person:
            return last_person, last_person
    return None, subject


def _quote_spans(open_after: list[bool], n: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(n):
        if not open_after[i] or i == n - 1:
            spans.extend([(start, i)] * (i - start + 1))
            start = i + 1
    return spans


def _learn_roles(masked: str, people: People, alias_votes: dict[str, Counter[str]]) -> None:
    """Votes for the roles written before any person's name, not only a speaker's: "a news
    conference with Serbian President Aleksandar Vucic" teaches that "the Serbian president"
    is Vucic, whoever speaks in that sentence."""
    for match in _NAME_RUN.finditer(masked):
        raw = match.group("name")
        m = clean_name(raw)
        if m is None or m.name == raw:
            continue  # no title or role inside the run; one before it is read by the speakers
        _vote_role(masked, match, people, alias_votes)


def _vote_role(masked: str, match: re.Match[str], people: People,
               alias_votes: dict[str, Counter[str]]) -> tuple[str, bool] | None:
    """The person `match` (its group "name") names and whether they are a person; a vote for
    the role written before the name, or inside its run ("BRC director general Kevin
    Hawkins"), when they are. None when the run names nobody."""
    raw = match.group("name")
    m = clean_name(raw)
    if m is None:
        return None
    name, person = people.resolve(m)
    if person:
        role = role_before(masked[: match.start("name")] + raw[: len(raw) - len(m.name)])
        if role:
            alias_votes[role][name] += 1
    return name, person


def _find_speaker(masked: str, people: People, last_person: str | None,
                  alias_votes: dict[str, Counter[str]]) -> tuple[str | None, str | None]:
    """(speaker, person now in focus) for one sentence with its quotes blanked out."""
    best: tuple[int, str, str | None] | None = None

    def offer(pos: int, speaker: str | None, subject: str | None) -> None:
        nonlocal best
        if speaker and (best is None or pos < best[0]):
            best = (pos, speaker, subject)

    for rx in (_SUBJECT_SAYS, _APPOSITIVE_SAYS, _SAYS_SUBJECT, _ACCORDING):
        for match in rx.finditer(masked):
            raw = match.group("name")
            if raw in ("him", "her"):
                offer(match.start(), last_person, last_person)
                continue
            named = _vote_role(masked, match, people, alias_votes)
            if named is None:
                continue
            name, person = named
            offer(match.start(), name, name if person else None)
    for match in _PRONOUN.finditer(masked):
        offer(match.start(), last_person, last_person)
    for match in _ROLE.finditer(masked):
        if last_person:
            role = " ".join(match.group("role").lower().split())
            if " " in role:  # "the NATO chief", not a bare "the manager"
                alias_votes[role][last_person] += 1
            offer(match.start(), last_person, last_person)
    if best is not None:
        return best[1], best[2]
    # No speech verb: a person opening the sentence becomes the one "he" refers to next.
    lead = _LEADING_NAME.match(masked)
    if lead:
        m = clean_name(lead.group("name"))
        if m is not None:
            name, person = people.resolve(m)
            if person:
                return None, name
    return None, None


__all__ = ["attribute"]
