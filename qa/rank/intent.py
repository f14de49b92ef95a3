"""What a question asks for, read once: the answer kind, the speaker and topic, who or what.

The patterns ranking reads questions and sentences with come first, built from the word lists
of qa.text; the rest of qa.rank uses them through `Intent` (and `holds_kind` for sentences).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.knowledge import Analysis, as_typed
from qa.text import (
    AMOUNT_NOUNS,
    BETWEEN_PERSON_AND_ACT,
    BETWEEN_WHO_AND_VERB,
    FOLLOW_UP_OPENERS,
    MONTHS,
    NUMBER_WORDS,
    PERIOD_OPENERS,
    PERIODS,
    PLACE_ANSWER_PREPOSITIONS,
    QUESTION_OPENERS,
    SPEECH_CUES,
    SPEECH_ONLY_WORDS,
    STOPWORDS,
    TIME_WORDS,
    TOPIC_MARKERS,
    TYPED_NAME_WORD,
    WEEKDAYS,
    alternation,
    terms,
    words,
)

# --- patterns -------------------------------------------------------------------------------
# The words are qa.text's; here they are put together into the shapes of questions and of
# the sentences that answer them.

# Words that ask what someone said or did to someone: "what did X say", "who did X thank".
_SPEECH_CUE = re.compile(rf"\b(?:{alternation(SPEECH_CUES)})\b", re.IGNORECASE)
# Words of a speaker question that ask for speech rather than name its topic.
_SPEECH_ONLY = re.compile(rf"\b(?:{alternation(SPEECH_ONLY_WORDS)})\b", re.IGNORECASE)
# "X on Y" asks for X's view without a speech word: "Stoltenberg on the KSF".
_ON_TOPIC = re.compile(r"\w\s+on\s")
# Who speaks in a speech question: the words between its auxiliary and the speech word
# ("what did [the Serbian president] say ...", "does [Vucic] believe ..."), searched in the
# lower-cased question up to the speech word.
_SPEECH_SUBJECT = re.compile(r"\b(?:did|does|do|has|have|had|will|would)\s+(?P<who>(?:\S+\s+){1,5})$")
# What a speech question is about follows one of these (searched in the lower-cased question).
_TOPIC_MARKER = re.compile(rf"\b(?:{alternation(TOPIC_MARKERS)})\b")
# "Who thanked Stoltenberg?": who did it is asked, the one named is its object.
_WHO_DID = re.compile(rf"^\s*(?:(?:{alternation(FOLLOW_UP_OPENERS)})\b,?\s+)?(?:who|which \w+)\s+"
                      rf"(?:(?:{alternation(BETWEEN_WHO_AND_VERB)})\s+)?(?P<verb>\w+)",
                      re.IGNORECASE)
# "Who is Vucic?", "who was the NATO chief": a question after a person's identity.
_OPENER = rf"^\s*(?:(?:{alternation(QUESTION_OPENERS)})\b,?\s+)?"  # "and who is ...?"
_WHO_IS = re.compile(_OPENER + r"who\s+(?:is|was|'s|’s)\s+(?P<rest>.+)$", re.IGNORECASE)
# "What is the KSF?", "what does KSF stand for": a question after an acronym's meaning.
_WHAT_IS = re.compile(_OPENER + r"what\s+(?:is|are|was|were|does|do|'s|’s)\s+(?:the\s+|an?\s+)?"
                      r"(?P<acronym>[a-z]{2,})\s*(?:stand\s+for|mean)?\s*\?*\s*"
                      r"(?:\(.*\))?\s*$", re.IGNORECASE)

# What a question asks for, and how a sentence that holds such a thing looks.
_QUESTION_KINDS = {
    "time": re.compile(r"^\s*(?:(?:since|until|till|by|from) )?(?:when\b|what (?:year|date|day|"
                       r"month|time)\b|(?:in )?which year)",
                       re.IGNORECASE),
    # before "number": "how old is he?" asks for an age, not any number ("85 years" in jail)
    "age": re.compile(r"\bhow old\b|\b(?:at )?what age\b", re.IGNORECASE),
    "number": re.compile(r"\bhow (?:many|much|long|old|far|big|tall|large|high|often|fast)\b|"
                         r"\bwhat (?:percentage|percent|number|amount|price)\b", re.IGNORECASE),
    "person": re.compile(r"^\s*(?:who|whom)\b", re.IGNORECASE),
    "place": re.compile(r"^\s*where\b", re.IGNORECASE),
    "reason": re.compile(r"^\s*(?:why\b|how come\b|what (?:led to|caused|made)\b)",
                         re.IGNORECASE),
}
# Times and places are matched in sentences case-sensitively: "May" the month, "in Pristina".
_DAYS = alternation(d.capitalize() for d in WEEKDAYS)
YEAR = r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b"  # "1886", "the 1990s"
_MONTHS = alternation(m.capitalize() for m in MONTHS)
_ANSWER_KINDS = {
    "time": re.compile(rf"{YEAR}|\b(?:{_MONTHS})\b|\b(?:{_DAYS})\b|"
                       rf"\b(?:{alternation(TIME_WORDS)})\b|"
                       rf"\b(?:{alternation(PERIOD_OPENERS)})\s+(?:{alternation(PERIODS)})\b"),
    "number": re.compile(rf"\d|\b(?:{alternation(NUMBER_WORDS)})\b", re.IGNORECASE),
    "person": re.compile(r"(?<=[a-z,] )[A-Z][a-z]+ [A-Z][a-z]+"),
    "place": re.compile(rf"\b(?:{alternation(PLACE_ANSWER_PREPOSITIONS)}) (?:the )?[A-Z][a-z]+"),
    # "Mr Ebbers, 63,", "aged 42", "a 16-year-old", "63 years old"
    "age": re.compile(r"\b[A-Z][a-z]+, \d{1,3},|\baged \d{1,3}\b|\b\d{1,3}-year-old\b|"
                      r"\b\d{1,3} years old\b"),
    # a cause given: "because", "due to", "after the ...", "blamed ... on"
    "reason": re.compile(r"\b(?:because|due to|owing to|as a result|thanks to|in order to|"
                         r"so that|reasons?|blamed|after|following|amid)\b", re.IGNORECASE),
}
# The values of an answer kind a sentence holds, compared with the question's words: a
# sentence answers "how many tickets?" with a number the question does not already give.
# Numbers: digits (with their separators, currency and unit: "£162,086", "10%", "£20m") or
# spelled out ("nine", "sixteen", "a dozen"; not "one", mostly "one of"); a day of a month ("3 April") and a year are
# times, not amounts.
_SPELLED = (rf"{alternation(NUMBER_WORDS - {'one'})}|(?:thir|four|fif|six|seven|eigh|nine)teen|"
            r"(?:twen|thir|for|fif|six|seven|eigh|nine)ty")
_AMOUNT = re.compile(rf"[£$€]?\d[\d,.]*\d%?|[£$€]?\d%?|\b(?:{_SPELLED})\b", re.IGNORECASE)
_DATE_NEAR = re.compile(rf"^\s*(?:{_MONTHS})\b|\b(?:{_MONTHS})\s*$")
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
# Where a pattern has a group "v", that is the value; else the whole match is.
_NAMED = re.compile(r"(?:(?<=[a-z0-9,;:)] )|(?<=[“\"‘']))[A-Z][\w'’.-]*"
                    r"(?: (?:of |de |van |von )?[A-Z][\w'’.-]*)*")
_VALUE_KINDS = {
    "time": _ANSWER_KINDS["time"],
    "age": re.compile(r"\b[A-Z][a-z]+, (?P<v>\d{1,3}),|\baged (?P<v2>\d{1,3})\b|"
                      r"\b(?P<v3>\d{1,3})-year-old\b|\b(?P<v4>\d{1,3}) years old\b"),
    # a person or a place is a named thing: any run of capitalised words inside a sentence,
    # "Jim Levine", "Google", “Jens can ...”, "the Canary Islands" ("in X" alone misses that)
    "person": _NAMED,
    "place": _NAMED,
    "reason": _ANSWER_KINDS["reason"],
}
_VALUE_WORD = re.compile(r"[a-z0-9]+")
_CALENDAR = WEEKDAYS | MONTHS  # "on Wednesday" is no place, "in May" no person
# Questions after an amount without "how many": "What is the population of Swansea?"
_ASKS_AMOUNT = re.compile(rf"^\s*what(?:'s|’s|\s+is|\s+was|\s+are|\s+were)\b.*"
                          rf"\b(?:{alternation(AMOUNT_NOUNS)})\b", re.IGNORECASE)
# Between a person and their act: an adverb in -ly, or one of these ("Okafor also thanked").
_BEFORE_ACT = rf"(?:\w+ly\s+|(?:{alternation(BETWEEN_PERSON_AND_ACT)})\s+)?"

# --- reading a question ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Intent:
    """What one question asks for, as ranking reads it; made by `read_intent`."""

    asked: str  # the question as given
    text: str  # as searched: acronyms spelled out, short names completed (Analysis.expand)
    terms: tuple[str, ...]  # index terms of `text`
    # the answer kind `text` asks for: "time", "age", "number", "person", "place", "reason"
    kind: str | None
    # "time", "age" or "number" when `asked` wants one ("how many", "when", "how old", "what
    # is the population of"): a best sentence without one lowers the confidence.
    needs: str | None
    speakers: tuple[int, ...]  # ids (Analysis.speakers) of the speakers it asks to hear from
    speaker_names: tuple[str, ...]  # their names
    acts: tuple[str, ...]  # index terms of what it asks them to have done: "thank", "promise"
    # `text` without the speakers' names and roles ("What did say about terrorism?"); "" when
    # it names no speaker or nothing else is left.
    topic: str
    topic_terms: tuple[str, ...]  # index terms of `topic`, words that only ask for speech left out
    who_is: tuple[str, ...]  # the person(s) a "who is X?" question asks after
    spelled_out: str  # what the acronym of "what is the KSF?" stands for in the corpus, or ""


def read_intent(question: str, analysis: Analysis, unknown: Callable[[str], bool],
                speakers_known: bool) -> Intent:
    """Read `question` with what the corpus taught (`analysis`); `unknown` says whether the
    corpus never uses a word, `speakers_known` whether every sentence's speaker is known."""
    text = analysis.expand(question, unknown)
    kind = next((k for k, rx in _QUESTION_KINDS.items() if rx.search(text)), None)
    needs = next((k for k in ("time", "age", "number") if _QUESTION_KINDS[k].search(question)),
                 "number" if _ASKS_AMOUNT.search(question) else None)
    names, ids = _speakers(text, analysis) if speakers_known else (set(), [])
    acts: tuple[str, ...] = ()
    topic = ""
    if ids:
        acts = tuple(t for w in words(text) if _SPEECH_CUE.fullmatch(w)
                     and not _SPEECH_ONLY.fullmatch(w) for t in terms(w))
        name_words = {w for n in names for w in words(n)}
        name_words |= {w for key in analysis.alias_keys(text) for w in words(key)
                       if set(analysis.aliases[key]) & names}
        kept = [w for w in text.split() if not any(
            x in name_words or x.removesuffix("'s") in name_words for x in words(w))]
        topic = " ".join(kept) if terms(" ".join(kept)) else ""
    spelled_out, who_is = _subject(text, analysis, unknown)
    return Intent(
        asked=question, text=text, terms=tuple(terms(text)), kind=kind, needs=needs,
        speakers=tuple(ids), speaker_names=tuple(sorted(names)) if ids else (), acts=acts,
        topic=topic, topic_terms=tuple(terms(_SPEECH_ONLY.sub(" ", topic))) if topic else (),
        who_is=who_is, spelled_out=spelled_out)


def asks_who_is(question: str) -> bool:
    """Whether a question asks who someone is: "who is Vucic?", "and who was the NATO chief?"."""
    return _WHO_IS.match(question) is not None


def holds_kind(kind: str, text: str) -> bool:
    """Whether a sentence holds an answer kind: a year or a weekday for "time", ..."""
    return _ANSWER_KINDS[kind].search(text) is not None


def answer_values(kind: str, text: str) -> frozenset[str]:
    """The values of an answer kind a sentence holds, as lower-case word strings: "£162,086"
    and "nine" for "number", "63" for "age" ("Mr Ebbers, 63,"), "brussels" for "place"."""
    if kind == "number":
        found = []
        for m in _AMOUNT.finditer(text):
            if _YEAR.fullmatch(m.group()) or _DATE_NEAR.search(text[max(0, m.start() - 12):
                                                                      m.start()]) \
                    or _DATE_NEAR.search(text[m.end():m.end() + 12]):
                continue
            found.append(m.group())
    else:
        found = [next((v for v in m.groups() if v), m.group()) if m.groups() else m.group()
                 for m in _VALUE_KINDS[kind].finditer(text)]
    values = frozenset(" ".join(_VALUE_WORD.findall(v.lower())) for v in found) - {""}
    return values - _CALENDAR if kind in ("place", "person") else values


def new_values(values: frozenset[str], question: str) -> bool:
    """Whether one of a sentence's `answer_values` is not already in the question: "1.1%" in
    "after December's 1.1% rise, what is the average price?" answers nothing."""
    asked = set(_VALUE_WORD.findall(question.lower()))
    return any(not set(v.split()) <= asked for v in values)


def act_pattern(names: tuple[str, ...], acts: tuple[str, ...]) -> re.Pattern[str]:
    """A sentence where one of these persons (full name or surname) does one of these acts:
    "Okafor thanked", "Okafor also promised"."""
    people = "|".join(re.escape(p) for n in names for p in {n, n.split()[-1]})
    deeds = "|".join(re.escape(t) for t in acts)
    return re.compile(rf"\b(?:{people})\s+{_BEFORE_ACT}(?:{deeds})\w*")


def _speakers(question: str, analysis: Analysis) -> tuple[set[str], list[int]]:
    """The speakers a question asks to hear from, by name and id; none when it is not a speech
    question or names nobody who speaks in the corpus."""
    if not _SPEECH_CUE.search(question) and not _ON_TOPIC.search(question):
        return set(), []
    asker = _WHO_DID.match(question)
    if asker and _SPEECH_CUE.fullmatch(asker.group("verb")):
        return set(), []  # "who thanked Stoltenberg?": the one it names is thanked, not thanking
    names = _speakers_asked(question, analysis.mentioned(question), analysis)
    return names, [i for i, s in enumerate(analysis.speakers) if s in names]


def _speakers_asked(question: str, names: set[str], analysis: Analysis) -> set[str]:
    """Of the persons a speech question names, those it asks to hear from: in "what did
    Vucic say about Stoltenberg?" the one before the topic ("about", "on", ...) speaks,
    the other is what he spoke of. All of them when that does not tell them apart."""
    if not names:
        return names
    low = question.lower()
    cue = _SPEECH_CUE.search(low)
    where: dict[str, int] = {}
    for key in analysis.alias_keys(question):
        at = low.find(key)
        for name in analysis.aliases[key]:
            if name in names and at >= 0:
                where[name] = min(where.get(name, at), at)
    for name in names:
        if name.lower() in low:
            where[name] = min(where.get(name, len(low)), low.find(name.lower()))
    if cue is not None and cue.group().startswith("according"):
        # "what does Serbia need, according to Vucic?": the one after it speaks
        after = {n for n in names if where.get(n, -1) >= cue.end()}
        if after:
            return after
    subject = _SPEECH_SUBJECT.search(low[:cue.start()]) if cue else None
    if cue is not None and subject is not None:
        # "what did Vucic claim the NATO chief could vouch for?": Vucic speaks; "what did the
        # Serbian president say Stoltenberg persuaded him of?": someone unnamed does
        return {n for n in names if subject.start("who") <= where.get(n, -1) < cue.start()}
    if len(names) < 2:
        return names
    marker = _TOPIC_MARKER.search(low, cue.end() if cue else 0)
    if marker is None:
        return names
    first = {n for n in names if where.get(n, len(low)) < marker.start()}
    return first if first and first != names else names


def _subject(question: str, analysis: Analysis, unknown: Callable[[str], bool]
             ) -> tuple[str, tuple[str, ...]]:
    """For "what is the KSF?", what the corpus spells KSF out as; for "who is X?", X (a person
    the corpus knows by name, surname or role, or a name as typed). Empty otherwise, and for
    "who is Vucic's wife?", which asks about someone else."""
    acronym = _WHAT_IS.match(question)
    if acronym is not None:
        word = acronym.group("acronym")
        known = (analysis.meaning(word, unknown) if word.isupper() or word.islower()
                 else None)
        return known or "", ()
    asked = _WHO_IS.match(question)
    if asked is None:
        return "", ()
    names = analysis.mentioned(question) or _typed_name(asked.group("rest"))
    if not names:
        return "", ()
    name_words = {w for n in names for w in words(n)}
    name_words |= {w for key in analysis.alias_keys(question) for w in words(key)}
    if terms(" ".join(w for w in words(asked.group("rest")) if w not in name_words)):
        return "", ()
    return "", tuple(sorted(names))


def _typed_name(rest: str) -> set[str]:
    """The name a "who is ...?" question types, when the corpus analysis does not know the
    person (they never speak): "Marcello Viotti", or "marcello viotti" typed in lower case."""
    rest = as_typed(rest).strip(" ?!.")
    parts = rest.split()
    if not 1 <= len(parts) <= 4 or not all(TYPED_NAME_WORD.fullmatch(p) for p in parts):
        return set()
    if any(p.lower() in STOPWORDS for p in parts):
        return set()  # "who is the author", "who is going"
    if rest == rest.lower():
        parts = [p[:1].upper() + p[1:] for p in parts]
    elif not all(p[:1].isupper() for p in parts):
        return set()
    return {" ".join(parts)}


__all__ = ["YEAR", "Intent", "act_pattern", "answer_values", "asks_who_is", "holds_kind",
           "new_values", "read_intent"]
