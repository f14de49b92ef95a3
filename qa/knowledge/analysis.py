"""Corpus knowledge learned from the text itself: acronyms, name aliases and who said what.

Nothing here knows any particular document. Three things are learned at index time
(`analyze`), each in its own module:

- acronyms (acronyms.py): a capitalised phrase ("Kosovo Security Forces") is a candidate
  expansion of its initials ("KSF"); a phrase seen next to its acronym in the same document wins.
- aliases (people.py, speakers.py): a surname or first name ("Stoltenberg", "Jens") and a
  role a quote is attributed to ("the NATO chief said") stand for the full person name.
- quote attribution (speakers.py): each sentence that is a quote or reported speech gets its
  speaker.

An `Analysis` then reads questions in their light: acronyms spelled out, names and roles
completed. stored.py keeps it in the store.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from qa.knowledge.acronyms import ACRONYM_TOKEN, learn_acronyms
from qa.knowledge.speakers import attribute
from qa.text import LOOSE_WORD, NOT_NAMES, STOPWORDS, LazyPattern

_EXPANDED = LazyPattern(r"\s*\([^()]*\)\s*$")  # what `Analysis.expand` appends
_LOWER_WORD = LazyPattern(r"[a-z]{3,}")  # a word of a question typed in lower case


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
        found = ACRONYM_TOKEN.findall(question)
        if question == question.lower():
            found += [w.upper() for w in _LOWER_WORD.findall(question)
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
        """Speakers a question names, by full name, surname, first name or role. Of those a
        word could mean ("Michael"), the one named in full wins, if any; a name in full does
        not hide another person named by surname alone ("what did Vucic say the NATO chief
        (Jens Stoltenberg) ...")."""
        low = question.lower()
        keys = self.alias_keys(question)
        named = [{name for name in self.aliases[key] if name.lower() in low} for key in keys]
        typed = as_typed(question)
        found: set[str] = set()
        for key, exact in zip(keys, named):
            if exact:
                found |= exact
            elif not (any(named) and _inside_run(key, typed)):
                # "Green" in "French Green MEP Alain Lipietz" is no Mr Green
                found |= {name for name in self.aliases[key] if not _someone_else(name, question)}
        return found

    def alias_keys(self, question: str) -> list[str]:
        """Alias keys a question uses: names as written with a capital (any word when the
        question is all lower case), and roles ("the NATO chief")."""
        low = question.lower()
        tokens = LOOSE_WORD.findall(question)
        # typed in lower case, before `expand` added its capitalised brackets
        typed = as_typed(question)
        lower_case = typed == typed.lower() or not any(
            t[:1].isupper() for t in LOOSE_WORD.findall(typed)[1:])
        words = [t.lower() for t in tokens if lower_case or t[:1].isupper()]
        words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in words]
        keys = [w for w in dict.fromkeys(words) if w in self.aliases and len(w) > 2
                and w not in NOT_NAMES and w not in STOPWORDS]
        short = self._abbreviated(low)
        roles = {k for text in (low, short) for w in set(LOOSE_WORD.findall(text))
                 for k in self._by_first_word[1].get(w, ()) if f"the {k}" in text}
        keys += sorted(roles, key=self._by_first_word[2].__getitem__)  # the aliases' order
        return list(dict.fromkeys(keys))

    def _abbreviated(self, low: str) -> str:
        """A lower-case question with the corpus's acronym phrases written as their acronyms:
        "the british retail consortium's director general" -> "the brc director general"."""
        phrases = {entry for w in set(LOOSE_WORD.findall(low))
                   for entry in self._by_first_word[0].get(w, ())}
        for _at, phrase, acronym in sorted(phrases):  # in the acronyms' order
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
            first = LOOSE_WORD.findall(phrase)[:1]
            if first:
                phrases[first[0]].append((at, phrase, acronym.lower()))
        roles: dict[str, list[str]] = defaultdict(list)
        order: dict[str, int] = {}
        for at, key in enumerate(self.aliases):
            first = LOOSE_WORD.findall(key)[:1]
            if " " in key and first:
                roles[first[0]].append(key)
                order[key] = at
        return dict(phrases), dict(roles), order


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
        learn_acronyms(sentences, acronym_votes)
        paras = passages[number] if passages is not None else [0] * len(sentences)
        doc_speakers, spans = attribute(sentences, paras, alias_votes)
        for name in doc_speakers:
            speaker_rows.append(speakers.setdefault(name, len(speakers)) if name else -1)
        quote_rows.extend((first + a, first + b) for a, b in spans)
        first += len(sentences)
    acronyms = {acr: [p for p, _ in votes.most_common(3)] for acr, votes in acronym_votes.items()}
    aliases = {key: [n for n, _ in votes.most_common(3)] for key, votes in alias_votes.items()}
    return Analysis(acronyms, aliases, list(speakers),
                    np.asarray(speaker_rows, dtype=np.int32),
                    np.asarray(quote_rows, dtype=np.int32).reshape(-1, 2))


def as_typed(question: str) -> str:
    """A question without the brackets `Analysis.expand` added to it."""
    return _EXPANDED.sub("", question)


def _inside_run(key: str, question: str) -> bool:
    """Whether a one-word alias is written inside a longer run of capitalised words ("French
    Green MEP Alain Lipietz"), not alone as a surname ("what did Vucic claim")."""
    tokens = LOOSE_WORD.findall(question)
    for i, token in enumerate(tokens):
        if token.lower().removesuffix("'s").removesuffix("’s") == key:
            return any(0 < j < len(tokens) and tokens[j][:1].isupper() for j in (i - 1, i + 1))
    return False


def _someone_else(name: str, question: str) -> bool:
    """Whether the question names another person with the same first name: "Michael Howard"
    is not the corpus's Michael Moore, though "Michael" alone could be."""
    parts = name.split()
    if len(parts) < 2:
        return False
    tokens = LOOSE_WORD.findall(question)
    return any(t.lower() == parts[0].lower() and nxt[:1].isupper()
               and nxt.lower().removesuffix("'s").removesuffix("’s") != parts[1].lower()
               for t, nxt in itertools.pairwise(tokens))


__all__ = ["Analysis", "analyze", "as_typed"]
