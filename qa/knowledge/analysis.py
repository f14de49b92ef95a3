"""Corpus knowledge learned from the text itself: acronyms, name aliases and who said what.

Nothing here knows any particular document. Three things are learned at index time:

- acronyms: a capitalised phrase ("Kosovo Security Forces") is a candidate expansion of its
  initials ("KSF"); a phrase seen next to its acronym in the same document wins.
- aliases: a surname or first name ("Stoltenberg", "Jens") and a role a quote is attributed to
  ("the NATO chief said") stand for the full person name found in the corpus.
- quote attribution: each sentence that is a quote or reported speech gets its speaker.
  "X said", "said X", "according to X" name the speaker; "he said", "the NATO chief said"
  and "according to him" refer to the person the document last made the subject of a
  sentence; a quote split over adjacent sentences shares one speaker.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qa.text import STOPWORDS

VERSION = 4

_CAP = r"(?:[A-ZÀ-ÖØ-Þ][\w'’\-]*[\w])"
_PARTICLE = r"(?:van|von|de|der|den|da|di|du|del|dos|bin|al|le|la|ter)"
# A run of capitalised words (particles allowed inside), e.g. "Jean-Claude van Damme".
_NAME = rf"{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP})*"
_VERBS = (
    r"said|says|say|told|tells|added|adds|explained|explains|stated|states|argued|argues|"
    r"warned|warns|insisted|insists|claimed|claims|noted|notes|stressed|stresses|"
    r"pointed out|points out|commented|comments|continued|admitted|admits|believes|"
    r"announced|announces|urged|urges|suggested|suggests|revealed|reveals|replied|"
    r"confirmed|confirms|denied|denies|maintained|maintains|predicted|predicts|"
    r"acknowledged|acknowledges|conceded|concedes|wrote|writes|reckons|reckoned|thinks|"
    r"described|describes|welcomed|welcomes|criticised|criticized|agreed|agrees"
)
_ADVERB = r"(?:(?:also|has|had|have|later|then|previously|earlier|recently|further|"
_ADVERB += r"repeatedly|once|again|has also|had also)\s+)?"
_SUBJECT_SAYS = re.compile(rf"(?<![\w'’])(?P<name>{_NAME})\s+{_ADVERB}(?:{_VERBS})\b")
# "Taha Idris, director of the Race Equality Council, said ..."
_APPOSITIVE_SAYS = re.compile(rf"(?<![\w'’])(?P<name>{_NAME}),\s+(?:[^,]{{2,90}},\s+){{1,2}}"
                              rf"{_ADVERB}"
                              rf"(?:{_VERBS})\b")
# "Manchester United boss Sir Alex Ferguson: "It wasn't ..."" and "X, complaining: "..."".
_COLON = re.compile(r":\s*$")
_ACCORDING = re.compile(rf"\b[Aa]ccording to (?:the\s+)?(?P<name>{_NAME}|him|her)\b")
_PRONOUN = re.compile(rf"\b(?P<pro>[Hh]e|[Ss]he)\s+{_ADVERB}(?:{_VERBS})\b"
                      rf"|\b(?:said|says|added|adds)\s+(?P<pro2>he|she)\b")
_ROLE_WORDS = (
    "chief|boss|head|leader|president|minister|secretary|spokesman|spokeswoman|spokesperson|"
    "chairman|chairwoman|manager|coach|director|executive|official|officer|governor|"
    "chancellor|premier|general|commissioner|ambassador|mayor|captain|founder|analyst|"
    "economist|striker|player|star|singer|actor|actress|author|judge|professor"
)
_SAYS_SUBJECT = re.compile(rf"\b(?:said|says|added|adds|asked|explained|continued|wrote)\s+"
                           rf"(?:(?:the\s+)?(?:{_CAP}\s+)?(?:[a-z][\w\-]*\s+){{0,3}}?"
                           rf"(?:{_ROLE_WORDS})\s+)?(?P<name>{_NAME})")
_ROLE = re.compile(rf"\b[Tt]he\s+(?P<role>(?:[\w'’\-]+\s+){{0,3}}?(?:{_ROLE_WORDS}))\s+"
                   rf"{_ADVERB}(?:{_VERBS})\b")
_HONORIFICS = frozenset(
    "mr mrs ms miss dr sir lord lady dame prof professor rev".split()
)
# Capitalised words that open sentences or precede names but are never names themselves.
_NOT_NAMES = frozenset(
    """the a an in on at but and or so if as when while after before however also asked
    according he she it they we i you this that these those there his her their its our my
    one some many most mr mrs ms dr his yet still then now meanwhile speaking writing
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december last next earlier later for
    with from by to of will would can could should might must has have had do does did is are
    was were be been not no yes""".split()
)
_TITLE_WORDS = frozenset(
    """president secretary general minister prime chancellor chairman chairwoman director
    governor senator judge coach manager captain chief executive officer leader commissioner
    ambassador mayor king queen prince princess pope archbishop bishop spokesman spokeswoman
    deputy vice foreign home defence defense finance health education shadow mp mep
    boss head founder editor master analyst economist striker midfielder defender goalkeeper
    professor prof dr mr mrs ms miss sir lord lady dame rev saint st""".split()
)
_ORG_WORDS = frozenset(
    """forces force council party union ltd plc inc corp corporation company group bank
    committee association organisation organization office ministry department agency
    institute university college school club fc united city league federation commission
    authority board court parliament government house assembly service services news
    times post journal network networks records studios pictures foundation trust society
    fund airlines airways motors systems technologies holdings partners media centre center
    alliance nations republic kingdom states army navy police cup conference game games
    award awards festival championship championships open prize show series""".split()
)
_CONNECTORS = frozenset("of for and the de du der la on in to".split())
_OPEN = "“"
_CLOSE = "”"


@dataclass
class Analysis:
    """What the corpus says about itself; per-sentence arrays are indexed by store row."""

    acronyms: dict[str, list[str]] = field(default_factory=dict)  # "KSF" -> phrases
    aliases: dict[str, list[str]] = field(default_factory=dict)  # "jens" -> full names
    speakers: list[str] = field(default_factory=list)
    speaker: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    quote: NDArray[np.int32] = field(default_factory=lambda: np.zeros((0, 2), np.int32))

    def speaker_of(self, row: int) -> str | None:
        """The speaker of a sentence, or None when it is not a quote or reported speech."""
        sid = int(self.speaker[row]) if 0 <= row < len(self.speaker) else -1
        return self.speakers[sid] if sid >= 0 else None

    def expand(self, question: str, unknown: Callable[[str], bool] = lambda _: True) -> str:
        """The question with acronyms spelled out and roles named, in brackets.

        `unknown` says whether the corpus never uses a word: in a question typed in lower case,
        only such a word can stand for an acronym ("ksf", not "map" or "tv").
        """
        additions: list[str] = []
        low = question.lower()
        for token in dict.fromkeys(self._acronyms_in(question, unknown)):
            phrases = self.acronyms.get(token) or self.acronyms.get(token.rstrip("s"))
            if phrases and phrases[0].lower() not in low:
                additions.append(phrases[0])
        for key in self.alias_keys(question):
            names = self.aliases[key]
            # Roles only ("the NATO chief"): a person's own name is matched through the
            # speaker of each sentence, and adding it here would favour sentences about them.
            if " " in key and len(names) == 1 and names[0].lower() not in low:
                additions.append(names[0])
        additions = list(dict.fromkeys(additions))
        return f"{question} ({', '.join(additions)})" if additions else question

    def _acronyms_in(self, question: str, unknown: Callable[[str], bool]) -> list[str]:
        """Acronym-like tokens of a question: "KSF"; in a question typed all in lower case,
        also "ksf" when the corpus knows KSF and never uses "ksf" as a word."""
        found = _ACRONYM_TOKEN.findall(question)
        if question == question.lower():
            found += [w.upper() for w in re.findall(r"[a-z]{3,}", question)
                      if self.meaning(w, unknown)]
        return found

    def meaning(self, acronym: str, unknown: Callable[[str], bool] = lambda _: True
                ) -> str | None:
        """What an acronym of the corpus stands for: "KSF" -> "Kosovo Security Forces"; the
        same for "ksf" when `unknown("ksf")` (the corpus never uses it as a word) and it has
        three letters or more ("ms" or "th" typed in lower case rarely is an acronym)."""
        if acronym.islower() and (len(acronym) < 3 or acronym in STOPWORDS
                                  or not unknown(acronym)):
            return None
        phrases = self.acronyms.get(acronym.upper())
        return phrases[0] if phrases else None

    def mentioned(self, question: str) -> set[str]:
        """Speakers a question names, by full name, surname, first name or role."""
        found = {name for key in self.alias_keys(question) for name in self.aliases[key]}
        low = question.lower()
        exact = {name for name in found if name.lower() in low}
        return exact or found

    def alias_keys(self, question: str) -> list[str]:
        """Alias keys a question uses: names as written with a capital (any word when the
        question is all lower case), and roles ("the NATO chief")."""
        low = question.lower()
        tokens = re.findall(r"[\w'’\-]+", question)
        # typed in lower case, before `expand` added its capitalised brackets
        typed = as_typed(question)
        lower_case = typed == typed.lower() or not any(
            t[:1].isupper() for t in re.findall(r"[\w'’\-]+", typed)[1:])
        words = [t.lower() for t in tokens if lower_case or t[:1].isupper()]
        words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in words]
        keys = [w for w in dict.fromkeys(words) if w in self.aliases and len(w) > 2
                and w not in _NOT_NAMES and w not in STOPWORDS]
        short = self._abbreviated(low)
        roles = {k for text in (low, short) for w in set(_WORD.findall(text))
                 for k in self._by_first_word[1].get(w, ()) if f"the {k}" in text}
        keys += sorted(roles, key=self._by_first_word[2].__getitem__)  # the aliases' order
        return list(dict.fromkeys(keys))

    def _abbreviated(self, low: str) -> str:
        """A lower-case question with the corpus's acronym phrases written as their acronyms:
        "the british retail consortium's director general" -> "the brc director general"."""
        phrases = {entry for w in set(_WORD.findall(low))
                   for entry in self._by_first_word[0].get(w, ())}
        for at, phrase, acronym in sorted(phrases):  # in the acronyms' order
            if phrase in low:
                low = re.sub(rf"{re.escape(phrase)}(?:'s|’s)?", acronym, low)
        return low

    @cached_property
    def _by_first_word(self) -> tuple[dict[str, list[tuple[int, str, str]]],
                                      dict[str, list[str]], dict[str, int]]:
        """Acronym phrases and role aliases ("nato chief") by their first word, so a question
        looks only at those that can be in it, and each role alias's place in `aliases`."""
        phrases: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for at, (acronym, found) in enumerate(self.acronyms.items()):
            phrase = found[0].lower()
            first = _WORD.findall(phrase)[:1]
            if first:
                phrases[first[0]].append((at, phrase, acronym.lower()))
        roles: dict[str, list[str]] = defaultdict(list)
        order: dict[str, int] = {}
        for at, key in enumerate(self.aliases):
            first = _WORD.findall(key)[:1]
            if " " in key and first:
                roles[first[0]].append(key)
                order[key] = at
        return dict(phrases), dict(roles), order

    def to_extras(self) -> dict[str, Any]:
        """The store form: JSON maps in meta "extras", arrays saved beside the vectors."""
        return {"analysis_version": VERSION, "acronyms": self.acronyms,
                "aliases": self.aliases, "speakers": self.speakers,
                "speaker": self.speaker, "quote": self.quote}

    @classmethod
    def from_extras(cls, extras: dict[str, Any], arrays: dict[str, Any]) -> Analysis | None:
        """Read back what `to_extras` wrote; None when the store holds another version."""
        if extras.get("analysis_version") != VERSION or "speaker" not in arrays:
            return None
        return cls(dict(extras["acronyms"]), dict(extras["aliases"]), list(extras["speakers"]),
                   np.asarray(arrays["speaker"]), np.asarray(arrays["quote"]))


def analyze(documents: Sequence[Sequence[str]],
            passages: Sequence[Sequence[int]] | None = None) -> Analysis:
    """Learn acronyms, aliases and speakers from documents given as lists of sentence texts.

    `passages` gives each sentence's paragraph number; a quote left open ends with its paragraph.
    """
    acronym_votes: dict[str, Counter[str]] = defaultdict(Counter)
    alias_votes: dict[str, Counter[str]] = defaultdict(Counter)
    speakers: dict[str, int] = {}
    speaker_rows: list[int] = []
    quote_rows: list[tuple[int, int]] = []
    first = 0
    for number, sentences in enumerate(documents):
        _learn_acronyms(sentences, acronym_votes)
        paras = passages[number] if passages is not None else [0] * len(sentences)
        doc_speakers, spans = _attribute(sentences, paras, alias_votes)
        for name in doc_speakers:
            speaker_rows.append(speakers.setdefault(name, len(speakers)) if name else -1)
        quote_rows.extend((first + a, first + b) for a, b in spans)
        first += len(sentences)
    acronyms = {acr: [p for p, _ in votes.most_common(3)] for acr, votes in acronym_votes.items()}
    aliases = {key: [n for n, _ in votes.most_common(3)] for key, votes in alias_votes.items()}
    return Analysis(acronyms, aliases, list(speakers),
                    np.asarray(speaker_rows, dtype=np.int32),
                    np.asarray(quote_rows, dtype=np.int32).reshape(-1, 2))


def analyze_parts(parts: Sequence[Any]) -> dict[str, Any]:
    """The store's `analyze` hook: each part holds (text, passage, start, end) sentences."""
    docs = [[s[0] for s in p.sentences] for p in parts]
    passages = [[s[1] for s in p.sentences] for p in parts]
    return analyze(docs, passages).to_extras()


def for_store(store: Any) -> Analysis:
    """The analysis saved in a store, or computed now for a store built without it."""
    saved = Analysis.from_extras(store.extras, store.extra_arrays)
    if saved is not None:
        return saved
    docs, passages = [], []
    for d in store.documents:
        rows = range(d.first, d.first + d.count)
        docs.append([store.text(r) for r in rows])
        passages.append([int(store.rows[r, 1]) for r in rows])
    return analyze(docs, passages)


# --- acronyms ------------------------------------------------------------------------------

_PHRASE = re.compile(rf"{_CAP}(?:\s+(?:(?:of|for|and|the|de)\s+)*{_CAP})+")
_ACRONYM_TOKEN = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]s?\b")
_WORD = re.compile(r"[\w'’\-]+")
_EXPANDED = re.compile(r"\s*\([^()]*\)\s*$")  # what `Analysis.expand` appends


# Words that end a role written before a name: "Carib Chief", "BRC director general".
_ROLE_NOUNS = _TITLE_WORDS | frozenset(_ROLE_WORDS.split("|"))
# Nouns that say what a person is, beside the titles: "Oxfam senior policy adviser Max Lawson".
_DESCRIPTIONS = (_ROLE_NOUNS | frozenset(
    """adviser advisor campaigner creator owner presenter host writer producer designer
    inventor scientist researcher lawyer spokesperson chairperson founder co-founder organiser
    organizer vice-president president-elect member leader""".split())) - _HONORIFICS
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_NOT_A_DESCRIPTION = _HONORIFICS | _DESCRIPTIONS  # a capitalised word that may precede a name
# After a name: ", founder of ...", ", the man who ...", " (1901 - 1968) was an ...".
_DESCRIBED_AFTER = re.compile(
    rf"(?i:,\s+(?:(?:its|their)\s+)?(?:[\w'’\-]+\s+){{0,4}}?"
    rf"(?:{'|'.join(sorted(_DESCRIPTIONS))})\b)"
    r"|,\s+(?:the|a|an)\s+[\w'’\-]+"
    r"|\s+(?:\([^()]*\)\s+)?(?:is|was)\s+(?:a|an|the)\s")


def describes(name: str, text: str) -> bool:
    """Whether a sentence says who a person is: a title or role right before their name
    ("Serbian President Aleksandar Vucic"), one in apposition after it ("Dan Gillmor, founder
    of Grassroots Media", "Stan Lee, the man responsible for ..."), or "Name is a/the ...".
    `name` is a full name; its surname counts too. Answers "who is Vucic?" with what the text
    says of him, not any sentence naming him.
    """
    for form in dict.fromkeys((name, name.split()[-1])):
        for match in re.finditer(rf"(?<![\w'’]){re.escape(form)}(?![\w'’])", text):
            before = re.findall(r"[\w'’\-.]+", text[: match.start()])
            if form != name and before and _CAPITALISED.match(before[-1]) and (
                    before[-1].lower().strip(".") not in _NOT_A_DESCRIPTION
                    and before[-1] not in name.split()):
                continue  # "Chris Hawkins" is someone else than Kevin Hawkins
            after = text[match.end():]
            if form != name and re.match(r"\s+[A-ZÀ-ÖØ-Þ][a-z]", after):
                continue  # "Lee Strafford" is someone else than Stan Lee
            for word in reversed(before[-6:]):
                low = word.lower().strip(".")
                if low in _DESCRIPTIONS:
                    return True
                if not _CAPITALISED.match(word):
                    break
            if _DESCRIBED_AFTER.match(after):
                return True
    return False


def as_typed(question: str) -> str:
    """A question without the brackets `Analysis.expand` added to it."""
    return _EXPANDED.sub("", question)


def initials(phrase: str) -> str:
    """Initials of the capitalised words of a phrase: "Institute for Fiscal Studies" -> IFS."""
    return "".join(w[0] for w in phrase.split() if w[0].isupper())


def _learn_acronyms(sentences: Sequence[str], votes: dict[str, Counter[str]]) -> None:
    present = {a for text in sentences for a in _ACRONYM_TOKEN.findall(text)}
    for match in (m for text in sentences for m in _PHRASE.finditer(text)):
        words = match.group(0).split()
        while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _CONNECTORS):
            words = words[1:]
        while words and words[-1].lower() in _CONNECTORS:
            words = words[:-1]
        if len(words) < 2 or any(w.isupper() and len(w) > 1 for w in words):
            continue
        phrase = " ".join(words)
        acr = initials(phrase)
        if len(acr) < 2:
            continue
        # Seen beside its acronym in the same document: strong evidence; otherwise weak, and
        # none for two letters: "Tom Voyce" is no reading of TV, nor "Gretchen Wilson" of GW.
        if acr in present:
            votes[acr][phrase] += 10
        elif len(acr) >= 3:
            votes[acr][phrase] += 1


# --- names and quotes ----------------------------------------------------------------------


@dataclass
class _Mention:
    name: str
    honorific: bool


def _clean_name(raw: str) -> _Mention | None:
    """Strip titles, roles and sentence openers from a capitalised run; None if nothing left."""
    words = raw.split()
    honorific = False
    # Keep the words after the last title/role word: "NATO Secretary General Jens Stoltenberg".
    cut = 0
    for i, w in enumerate(words[:-1]):
        low = w.lower().strip(".")
        if low in _TITLE_WORDS or low in _NOT_NAMES or (w.isupper() and len(w) > 1):
            cut = i + 1
            honorific = honorific or low in _HONORIFICS
    words = words[cut:]
    while words and words[0].lower() in _NOT_NAMES:
        words = words[1:]
    if not words or words[-1].lower() in _NOT_NAMES or words[-1].lower() in _TITLE_WORDS:
        return None
    if words[-1].endswith(("'s", "’s")):
        return None
    return _Mention(" ".join(words), honorific)


def _is_person(name: str, honorific: bool) -> bool:
    words = name.split()
    if any(w.lower() in _ORG_WORDS for w in words) or any(w.isupper() for w in words):
        return False
    return honorific or len(words) >= 2


def _mask_quotes(text: str, inside: bool) -> tuple[str, bool, bool]:
    """The text with quoted parts blanked, whether any quote is in it, and the state at its end."""
    out = []
    quoted = inside
    for ch in text:
        if ch == _OPEN:
            quoted = True
            out.append(" ")
            continue
        if ch == _CLOSE:
            quoted = False
            out.append(" ")
            continue
        if ch == '"':
            quoted = not quoted
            out.append(" ")
            continue
        out.append(" " if quoted else ch)
    has_quote = inside or any(c in text for c in (_OPEN, _CLOSE, '"'))
    return "".join(out), has_quote, quoted


class _People:
    """The persons of one document, so "Mr Hayman" and "Hayman" become "Andy Hayman"."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.full: list[str] = []
        seen: set[str] = set()
        for text in sentences:
            for match in re.finditer(_NAME, text):
                m = _clean_name(match.group(0))
                if m and len(m.name.split()) >= 2 and _is_person(m.name, m.honorific):
                    if m.name not in seen:
                        seen.add(m.name)
                        self.full.append(m.name)

    def resolve(self, mention: _Mention) -> tuple[str, bool]:
        """The fullest name the document uses for a mention, and whether it is a person."""
        words = mention.name.split()
        if len(words) == 1:
            for full in self.full:
                parts = full.split()
                if parts[-1] == words[0] or parts[0] == words[0]:
                    return full, True
            return mention.name, mention.honorific
        for full in self.full:
            if full != mention.name and full.endswith(" " + mention.name):
                return full, True
        return mention.name, _is_person(mention.name, mention.honorific)


def _attribute(sentences: Sequence[str], paras: Sequence[int],
               alias_votes: dict[str, Counter[str]]
               ) -> tuple[list[str | None], list[tuple[int, int]]]:
    """Speaker per sentence of one document and, per sentence, the span of its quote."""
    people = _People(sentences)
    n = len(sentences)
    own: list[str | None] = [None] * n
    bare: list[bool] = [False] * n  # an attribution with no content ("According to him.")
    quoted: list[bool] = [False] * n
    open_after: list[bool] = [False] * n
    last_person: str | None = None
    inside = False
    for i, text in enumerate(sentences):
        if inside and (i > 0 and paras[i] != paras[i - 1] or text.lstrip()[:1] in (_OPEN, '"')):
            # A new paragraph or a fresh opening quote: the last quote was never closed.
            inside = False
            open_after[i - 1] = False
        masked, has_quote, inside_after = _mask_quotes(text, inside)
        quoted[i] = has_quote
        open_after[i] = inside_after
        inside = inside_after
        speaker, subject = _find_speaker(masked, people, last_person, alias_votes)
        if speaker is None:
            speaker, subject = _colon_speaker(text, people, last_person, subject)
        if speaker is None and subject is not None:
            last_person = subject
        if speaker is not None:
            own[i] = speaker
            if subject is not None:
                last_person = subject
            bare[i] = len(masked.split()) <= 5 and not has_quote
    for name in set(filter(None, own)):
        parts = name.split()
        if len(parts) >= 2 and name in people.full:  # aliases of persons who speak
            alias_votes[parts[-1].lower()][name] += 1
            alias_votes[parts[0].lower()][name] += 1
    spans = _quote_spans(open_after, n)
    result: list[str | None] = list(own)
    for a, b in set(spans):
        named = [j for j in range(a, b + 1) if own[j]]
        for j in range(a, b + 1):
            if result[j] is None and named:
                # The nearest attribution in the same quote; the later one on a tie.
                result[j] = own[min(named, key=lambda k: (abs(k - j), -k))]
    for i in range(1, n):
        # "According to him." followed by what he said; a quote right after its speaker's line.
        if result[i] is None and result[i - 1] and (bare[i - 1] or (
                quoted[i] and sentences[i].lstrip().startswith((_OPEN, '"'))
                and quoted[i - 1])):
            result[i] = result[i - 1]
    return result, spans


def _colon_speaker(text: str, people: _People, last_person: str | None,
                   subject: str | None) -> tuple[str | None, str | None]:
    """A quote introduced by a colon belongs to the name before it or the sentence's subject."""
    for match in re.finditer(r":\s*[“\"]", text):
        before = text[: match.start()]
        if any(q in before for q in (_OPEN, _CLOSE, '"')):
            return None, subject
        tail = re.search(rf"(?P<name>{_NAME})\s*$", before)
        m = _clean_name(tail.group("name")) if tail else None
        if m is not None:
            name, person = people.resolve(m)
            return name, name if person else subject
        if subject is not None:
            return subject, subject
        if re.match(r"\s*(?:[Hh]e|[Ss]he)\b", before) and last_person:
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


_ROLE_BEFORE = re.compile(rf"(?:^|[\s,(“\"])(?P<role>(?:{_CAP}\s+){{0,2}}"
                          rf"(?:[a-z][\w\-]*\s+){{0,3}}?(?:{_ROLE_WORDS}|[A-Z][a-z]+)\s*)$")


def _role_before(text: str) -> str | None:
    """The role written just before a name, lower-cased, as questions name the person:
    "Carib Chief" -> "carib chief", "said BRC director general" -> "brc director general".
    Sentence openers and honorifics are no role ("But Mr", "On Tuesday Mr")."""
    match = _ROLE_BEFORE.search(text)
    if match is None:
        return None
    words = match.group("role").split()
    while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _CONNECTORS):
        words = words[1:]
    last = words[-1].lower().strip(".") if words else ""
    if len(words) < 2 or last not in _ROLE_NOUNS or last in _HONORIFICS:
        return None
    return " ".join(w.lower().strip(".") for w in words).replace("’", "'").removesuffix("'s")


def _find_speaker(masked: str, people: _People, last_person: str | None,
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
            m = _clean_name(raw)
            if m is None:
                continue
            name, person = people.resolve(m)
            if person:
                role = _role_before(masked[: match.start("name")] + raw[: len(raw) - len(m.name)])
                if role:
                    alias_votes[role][name] += 1
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
    lead = re.match(rf"\s*(?:[\w,]+\s+){{0,3}}?(?P<name>{_NAME})", masked)
    if lead:
        m = _clean_name(lead.group("name"))
        if m is not None:
            name, person = people.resolve(m)
            if person:
                return None, name
    return None, None


__all__ = ["Analysis", "analyze", "analyze_parts", "as_typed", "describes", "for_store",
           "initials", "VERSION"]
