"""Acronyms learned from the text: a capitalised phrase is a candidate reading of its initials.

"Kosovo Security Forces" is a reading of "KSF"; a phrase seen in the same document as its
acronym wins over one that only happens to have the same initials.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from qa.text import (
    CAPITALISED_WORD,
    NOT_NAMES,
    PHRASE_EDGES,
    PHRASE_JOINERS,
    LazyPattern,
    alternation,
)

# An acronym as a question or a sentence writes it: "KSF", "KSFs", "NatWest".
ACRONYM_TOKEN = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]s?\b")
# A run of capitalised words, joiners allowed inside: "Institute for Fiscal Studies".
_PHRASE = LazyPattern(
    rf"{CAPITALISED_WORD}(?:\s+(?:(?:{alternation(PHRASE_JOINERS)})\s+)*{CAPITALISED_WORD})+")


def initials(phrase: str) -> str:
    """Initials of the capitalised words of a phrase: "Institute for Fiscal Studies" -> IFS."""
    return "".join(w[0] for w in phrase.split() if w[0].isupper())


def learn_acronyms(sentences: Sequence[str], votes: dict[str, Counter[str]]) -> None:
    """Count, for each acronym, the phrases of one document that may spell it out."""
    present = {a for text in sentences for a in ACRONYM_TOKEN.findall(text)}
    for match in (m for text in sentences for m in _PHRASE.finditer(text)):
        words = match.group(0).split()
        while words and (words[0].lower() in NOT_NAMES or words[0].lower() in PHRASE_EDGES):
            words = words[1:]
        while words and words[-1].lower() in PHRASE_EDGES:
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


__all__ = ["ACRONYM_TOKEN", "initials", "learn_acronyms"]
