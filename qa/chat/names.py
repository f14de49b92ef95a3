"""The names a corpus uses: which words name something, who is a person, how to say it.

A conversation refers back to the people, organisations and places named in its questions and
answers. Which words are names, who is a person, a person's usual name and whether the corpus
calls them "he" or "she" are learned from the corpus itself, a word at a time, using the corpus
analysis (speakers, aliases) when the store has one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qa.rank import Hit
from qa.text import (
    BETWEEN_SPEAKER_AND_VERB,
    FEMALE_PRONOUNS,
    FEMALE_TITLES,
    MALE_PRONOUNS,
    MALE_TITLES,
    NAME_CONNECTORS,
    NAME_TOKEN,
    PERSON_CUE_VERBS,
    PLACE_PREPOSITIONS,
    STOPWORDS,
    TITLES,
    bare,
    terms,
)

if TYPE_CHECKING:
    from qa.index import Store
    from qa.knowledge import Analysis

# How many sentences mentioning a word are read to learn what the word names.
SAMPLE_ROWS = 300

# The share of a single-word name's mentions after a first name ("Tony Blair") from which it
# may be a person's surname: news names a person in full once a story, a party or a country
# hardly ever ("New Labour" 14%, "Northern Ireland" 16% but mostly after "in"). Set by hand.
INTRODUCED = 0.15
# A lone word is a first name when at least FIRST_NAME of its mentions come before its surname
# ("Jens" Stoltenberg, not "France" Telecom); a name never quoted is talked of as a person when
# a first name comes before it in TALKED_OF of its mentions (and "he" or "she" after each).
# Both set by hand with INTRODUCED, on the same BBC names.
FIRST_NAME = 0.3
TALKED_OF = 0.2

# A capitalised word ending a noun phrase in fewer than MODIFIER of its mentions (a possessive,
# or a stop after it), of at least MODIFIER_MENTIONS, is a modifier ("British", "Tory"): the
# BBC news ends "British" 2%, "European" 1%, "American" 8% of the time, and "Arsenal" 42%,
# "Labour" 29%, "EU" 16%, "BBC" 18%. Set by hand on those counts.
MODIFIER = 0.1
MODIFIER_MENTIONS = 10
_CLOSERS = frozenset(["", ",", ".", ";", ":", "!", "?", ")", '"', "”", "’", "'"])

PERSON, ORGANISATION, PLACE, THING = "person", "organisation", "place", "thing"
_GENDERED_TITLES = MALE_TITLES | FEMALE_TITLES


@dataclass(frozen=True, slots=True)
class Entity:
    """Someone or something a conversation can refer back to."""

    name: str  # as a rewritten question should say it: "Vucic", "NATO", "Kosovo"
    kind: str  # PERSON, ORGANISATION, PLACE or THING
    gender: str = ""  # "m" or "f" when the corpus says so, else ""
    key: str = ""  # the same entity's identity whichever name it goes by
    article: str = ""  # "the" when the corpus says "the Serious Fraud Office"

    @property
    def ident(self) -> str:
        return self.key or self.name.lower()


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a text names an entity: its character span."""

    entity: Entity
    start: int
    end: int


@dataclass
class WordProfile:
    """What the sentences mentioning one word say about it."""

    capital: int = 0  # written with a capital, not opening a sentence
    lower: int = 0  # written in lower case
    person: int = 0  # next to a speech verb or a title
    place: int = 0  # after "in", "at", "from", ...
    male: int = 0
    female: int = 0
    forms: Counter[str] = field(default_factory=Counter)  # how it is written
    firsts: Counter[str] = field(default_factory=Counter)  # the capitalised word before it
    titled: int = 0  # after a title ("Mr Annan")
    # capitalised and ending a noun phrase: a possessive ("Arsenal's") or before a stop
    # ("beat Arsenal.") - what a thing is written as and a word like "British" hardly ever
    closing: int = 0

    def modifier(self) -> bool:
        """Whether the word is written as a modifier of other words, never as a thing of its
        own ("British television", "Tory leader"): it ends a noun phrase in under MODIFIER of
        its mentions (of at least MODIFIER_MENTIONS)."""
        return self.capital >= MODIFIER_MENTIONS and self.closing < MODIFIER * self.capital

    @property
    def proper(self) -> bool:
        return self.capital > 0 and self.capital >= 2 * self.lower

    @property
    def capitalised(self) -> bool:
        """`proper`, or only ever written with a capital though every mention opens a
        sentence: "Tobias" in "Tobias Meyer, the auctioneer, said ..." can be a person's name
        word (not enough to make a word opening a sentence a name: "Runner Mara Voss")."""
        return self.proper or (self.capital == 0 and self.lower == 0 and bool(self.forms))


def sample_rows(store: Store, word: str) -> list[int]:
    """Up to SAMPLE_ROWS rows whose sentence holds `word`, from the lexical index."""
    lex = store.lexicon
    # a hyphenated name ("Kilroy-Silk") is indexed as its parts: the rarest part's rows
    known = [t for t in (lex.vocab.get(f) for f in terms(word)) if t is not None]
    if not known:
        return []
    tid = min(known, key=lambda t: int(lex.indptr[t + 1] - lex.indptr[t]))
    lo, hi = int(lex.indptr[tid]), int(lex.indptr[tid + 1])
    return sorted(int(r) for r in lex.rows[lo : min(hi, lo + SAMPLE_ROWS)])


class Names:
    """The names a corpus uses: which words name something, who is a person, and how to say it.

    Learned lazily, a word at a time, from the sentences of the store that contain it; the
    corpus analysis (speakers and aliases), when the store has one, adds who speaks.
    """

    def __init__(self, store: Store, analysis: Analysis | None = None) -> None:
        self.store = store
        self._profiles: dict[str, WordProfile] = {}
        self._mentions: dict[str, list[Mention]] = {}
        self._speakers: dict[str, str] = {}  # full name in lower case -> full name
        self._aliases: dict[str, list[str]] = {}
        if analysis is not None:
            self._speakers = {full.lower(): full for full in analysis.speakers if full.strip()}
            self._aliases = {k: list(v) for k, v in analysis.aliases.items() if v}

    # --- words --------------------------------------------------------------------------------

    def profile(self, word: str) -> WordProfile:
        """What the corpus says about `word` (any case)."""
        low = word.lower()
        if low not in self._profiles:
            self._profiles[low] = self._learn(low)
        return self._profiles[low]

    def _learn(self, low: str) -> WordProfile:
        prof = WordProfile()
        rows = self.store.rows  # a row's document: its next sentence may say "he" or "she"
        for row in sample_rows(self.store, low):
            text = self.store.text(row)
            tokens = [(m.group(), m.start()) for m in NAME_TOKEN.finditer(text)]
            for i, (tok, pos) in enumerate(tokens):
                if bare(tok).lower() != low:
                    continue
                plain = bare(tok)
                if plain[0].isupper():
                    if _opens_sentence(text, pos):
                        prof.forms[plain] += 1
                    else:
                        prof.capital += 1
                        prof.forms[plain] += 2
                        end = pos + len(tok)  # a possessive, or a stop after it
                        prof.closing += plain != tok or text[end : end + 1] in _CLOSERS
                else:
                    prof.lower += 1
                    continue
                before = [t.lower() for t, _ in tokens[max(0, i - 2) : i]]
                after = [t.lower() for t, _ in tokens[i + 1 : i + 4]
                         if t.lower() not in BETWEEN_SPEAKER_AND_VERB]
                if (after[:1] and after[0] in PERSON_CUE_VERBS) \
                        or before[-2:] == ["according", "to"] or (before and before[-1] in TITLES):
                    prof.person += 1
                prof.titled += bool(before and before[-1] in TITLES)
                if before and before[-1] in _GENDERED_TITLES:
                    prof.person += 1
                    prof.male += before[-1] in MALE_TITLES
                    prof.female += before[-1] in FEMALE_TITLES
                if before and before[-1] in PLACE_PREPOSITIONS:
                    prof.place += 1
                prev, prev_at = tokens[i - 1] if i > 0 else ("", 0)
                # "Jens Stoltenberg", not "According to Stoltenberg, Serbia"
                if prev[:1].isupper() and prev.lower() not in STOPWORDS \
                        and prev.lower() not in TITLES and not text[prev_at + len(prev):pos].strip():
                    prof.firsts[bare(prev)] += 1
                # The pronouns that follow a mention say whether the corpus calls it he or she.
                rest = [t.lower() for t, _ in tokens[i + 1 :]]
                if row + 1 < self.store.count and rows[row, 0] == rows[row + 1, 0]:
                    rest += [t.lower() for t in NAME_TOKEN.findall(self.store.text(row + 1))]
                prof.male += sum(t in MALE_PRONOUNS for t in rest[:40])
                prof.female += sum(t in FEMALE_PRONOUNS for t in rest[:40])
        return prof

    def is_name_word(self, token: str, opens: bool, cased: bool) -> bool:
        """True when `token` is (part of) a name: capitalised mid-sentence, or so in the corpus.

        In `cased` text a word written in lower case is taken as no name, unasked.
        """
        low = token.lower()
        if low in STOPWORDS or len(low) < 2 or low.isdigit() or low[:2] in ("i'", "i’"):
            return False
        if token.isupper() and len(token) > 1:
            return True
        capital = token[:1].isupper()
        if capital and not opens:
            return True
        if cased and not capital:
            return False
        return self.profile(low).proper

    # --- mentions -----------------------------------------------------------------------------

    def mentions(self, text: str) -> list[Mention]:
        """The entities `text` names, in order, with their character spans."""
        if text not in self._mentions:
            if len(self._mentions) > 1000:
                self._mentions.clear()
            self._mentions[text] = self._find_mentions(text)
        return self._mentions[text]

    def _find_mentions(self, text: str) -> list[Mention]:
        # Text typed all in lower case ("what did vucic say") is read word by word against
        # the corpus; otherwise its capitals are trusted.
        cased = any(ch.isupper() for ch in text[1:])
        tokens = [(m.group(), m.start(), m.end()) for m in NAME_TOKEN.finditer(text)]
        runs: list[list[tuple[str, int, int]]] = []
        run: list[tuple[str, int, int]] = []
        for i, (tok, start, end) in enumerate(tokens):
            plain = bare(tok)
            gap = text[run[-1][2] : start] if run else ""
            joined = run and gap.strip() == "" and "\n" not in gap
            if self.is_name_word(plain, _opens_sentence(text, start), cased):
                if run and not joined:
                    runs.append(run)
                    run = []
                run.append((plain, start, start + len(plain)))
                if plain != tok:  # a possessive ends the name
                    runs.append(run)
                    run = []
            elif run and joined and tok.lower() in NAME_CONNECTORS and i + 1 < len(tokens) \
                    and tokens[i + 1][0][:1].isupper():
                run.append((tok, start, end))
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
        found: list[Mention] = []
        for r in runs:
            while r and r[-1][0].lower() in NAME_CONNECTORS:
                r = r[:-1]
            if r:
                entity = self.entity([w for w, _, _ in r])
                if entity is not None:
                    found.append(Mention(entity, r[0][1], r[-1][2]))
        return found

    def entity(self, words: list[str]) -> Entity | None:
        """The entity a run of name words stands for, or None when it names nothing known."""
        # "NATO Secretary General Jens Stoltenberg": the name is what follows the title.
        cut = 0
        for i, w in enumerate(words[:-1]):
            if w.lower().strip(".") in TITLES or (w.isupper() and len(w) > 1):
                cut = i + 1
        name = words[cut:]
        titled = cut > 0 and any(w.lower().strip(".") in TITLES for w in words[:cut])
        if name[-1].lower().strip(".") in TITLES:
            return self._titled(words)
        person = self._person(name, titled)
        if person is not None:
            return person
        if len(words) == 1 and words[0].isupper() and len(words[0]) > 1:
            return Entity(words[0], ORGANISATION)
        prof = self.profile(words[-1])
        if not prof.forms and not any(self.profile(w).forms for w in words):
            return None  # the corpus never writes it: not something it knows
        shown = " ".join(_usual(self.profile(w), w) for w in words)
        kind = ORGANISATION if any(w.isupper() and len(w) > 1 for w in words) else (
            PLACE if prof.place > 0 else THING)
        return Entity(shown, kind, article=self._article(shown))

    def _article(self, phrase: str) -> str:
        """ "the" when the corpus mostly writes "the" before the name, else ""."""
        pattern = re.compile(r"(?<![\w’'])(?:([Tt]he)\s+)?" + re.escape(phrase)
                             + r"(?![\w’'])(?!\s+[A-Z])")
        votes = Counter(bool(m.group(1)) for row in sample_rows(self.store, phrase.split()[-1])
                        for m in pattern.finditer(self.store.text(row)))
        return "the" if votes[True] > votes[False] else ""

    def _person(self, name: list[str], titled: bool) -> Entity | None:
        low = " ".join(name).lower()
        full = self._speakers.get(low)
        if full is None:
            known = [n for n in self._aliases.get(low, []) if n.lower() in self._speakers
                     or len(n.split()) > 1]
            full = known[0] if len(known) == 1 else None
        last = self.profile(name[-1])
        # A person's name is made of words the corpus always capitalises: not "Fraud Office".
        named = all(self.profile(w).capitalised for w in name)
        # A word the corpus puts after "in" or "to" as often as next to a speech verb is a
        # place that acts ("Serbia has asked"), not a person: a pronoun never stands for it.
        acts = last.person > last.place or titled or _talked_of(last)
        # News introduces a person by full name: a word that rarely follows a first name is
        # a party, a country or a firm that speaks ("Labour said", "France beat", "Microsoft")
        if len(name) == 1 and not titled and not _introduced(last):
            acts = False
        if full is not None and ((len(full.split()) == 1 and not (named and acts))
                                 or not all(self.profile(w).capitalised for w in full.split())):
            full = None  # "Labour said" acts as no person; "Texas Instruments": common words
        if full is None and not (named and acts):
            first = self._first_name(name)
            if first is None:
                return None
            full = first
        if full is None:
            firsts = [f for f, _ in last.firsts.most_common(2)]
            full = " ".join(name) if len(name) > 1 or len(firsts) != 1 else f"{firsts[0]} {name[0]}"
        surname = full.split()[-1]
        prof = self.profile(surname)
        gender = "m" if prof.male > 2 * prof.female else "f" if prof.female > 2 * prof.male else ""
        # the surname alone when the corpus knows nobody else by it
        unique = not {n for n in self._aliases.get(surname.lower(), []) if n != full}
        shown = surname if unique else full
        return Entity(shown, PERSON, gender, full.lower())

    def _first_name(self, name: list[str]) -> str | None:
        """A lone first name the corpus completes with one person's surname: "Jens"."""
        if len(name) != 1:
            return None
        word = name[0]
        for n in self._aliases.get(word.lower(), []):
            parts = n.split()
            # mostly written before that surname: "Jens" Stoltenberg, not "France" Telecom
            if len(parts) == 2 and parts[0].lower() == word.lower() and \
                    self.profile(parts[1]).firsts[parts[0]] >= FIRST_NAME * self.profile(word).capital:
                return n
        return None

    def _titled(self, words: list[str]) -> Entity | None:
        """A title ("NATO Secretary General") the corpus puts in front of one person's name."""
        phrase = " ".join(words)
        follow = re.compile(f"(?i:{re.escape(phrase)})" + r"\s+((?:[A-Z][\w’'\-]+\s+){0,2}"
                            r"[A-Z][\w’'\-]+)")
        votes: Counter[str] = Counter()
        for row in sample_rows(self.store, words[-1]):
            for m in follow.finditer(self.store.text(row)):
                votes[m.group(1)] += 1
        for name, _ in votes.most_common(1):
            return self._person(name.split(), True)
        return None

    def speaker(self, hit: Hit) -> Entity | None:
        """The person a hit's sentence quotes, when the corpus analysis knows it."""
        if not hit.speaker:
            return None
        words = hit.speaker.split()
        if any(w.isupper() and len(w) > 1 for w in words):  # "NATO said"
            return Entity(hit.speaker, ORGANISATION)
        return self._person(words, True) or self.entity(words)


def _introduced(prof: WordProfile) -> bool:
    """Whether a name follows a capitalised first name or a title in at least INTRODUCED of
    the mentions that do not open a sentence, as a person's surname does once in each story."""
    return sum(prof.firsts.values()) + prof.titled >= INTRODUCED * prof.capital


def _talked_of(prof: WordProfile) -> bool:
    """Whether the corpus writes of a name as of a person, though it never quotes them: a
    first name before it in a fifth of its mentions, and "he" or "she" after each, on average
    ("Arthur Hailey ... Hailey was the only child ... he")."""
    return (prof.capital > 0 and sum(prof.firsts.values()) >= TALKED_OF * prof.capital
            and prof.male + prof.female >= prof.capital)


def _opens_sentence(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t(“\"‘'«[")
    return not before or before[-1] in ".!?:\n…;" or text[:pos].rstrip().endswith(("“", '"'))


def _usual(prof: WordProfile, word: str) -> str:
    """The corpus's usual spelling of a word ("kosovo" -> "Kosovo")."""
    if prof.forms:
        return prof.forms.most_common(1)[0][0]
    return word


__all__ = ["ORGANISATION", "PERSON", "PLACE", "SAMPLE_ROWS", "THING", "Entity", "Mention",
           "Names", "WordProfile"]
