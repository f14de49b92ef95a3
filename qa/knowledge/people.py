"""People's names as a document writes them: titles stripped, short forms completed, roles read.

"NATO Secretary General Jens Stoltenberg" is Jens Stoltenberg; later in the same document
"Stoltenberg" and "Mr Stoltenberg" are him too; "Race Equality Council" is no person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.text import (
    CAPITALISED_WORD,
    FULL_TITLES,
    HONORIFICS,
    NAME,
    NOT_NAMES,
    ORGANISATION_WORDS,
    PHRASE_EDGES,
    ROLE_NOUNS,
    ROLE_WORDS,
    LazyPattern,
    alternation,
)

NAME_RUN = LazyPattern(NAME)
# The end of a text that holds a role, right before a name: "said BRC director general".
_ROLE_BEFORE = LazyPattern(rf"(?:^|[\s,(“\"])(?P<role>(?:{CAPITALISED_WORD}\s+){{0,2}}"
                           rf"(?:[a-z][\w\-]*\s+){{0,3}}?(?:{alternation(ROLE_WORDS)}|[A-Z][a-z]+)"
                           rf"\s*)$")


@dataclass(frozen=True, slots=True)
class WrittenName:
    """A name as a sentence writes it, without its titles, and whether an honorific (Mr, Dr,
    ...) came before it, which makes even a single word a person's name."""

    name: str
    honorific: bool


def clean_name(raw: str) -> WrittenName | None:
    """Strip titles, roles and sentence openers from a capitalised run; None if nothing left."""
    words = raw.split()
    honorific = False
    # Keep the words after the last title/role word: "NATO Secretary General Jens Stoltenberg".
    cut = 0
    for i, w in enumerate(words[:-1]):
        low = w.lower().strip(".")
        if low in FULL_TITLES or low in NOT_NAMES or (w.isupper() and len(w) > 1):
            cut = i + 1
            honorific = honorific or low in HONORIFICS
    words = words[cut:]
    while words and words[0].lower() in NOT_NAMES:
        words = words[1:]
    if not words or words[-1].lower() in NOT_NAMES or words[-1].lower() in FULL_TITLES:
        return None
    if words[-1].endswith(("'s", "’s")):
        return None
    return WrittenName(" ".join(words), honorific)


def is_person(name: str, honorific: bool) -> bool:
    """Whether a cleaned name is a person's: two words or more, or one after an honorific, and
    no organisation word or acronym in it."""
    words = name.split()
    if any(w.lower() in ORGANISATION_WORDS for w in words) or any(w.isupper() for w in words):
        return False
    return honorific or len(words) >= 2


class People:
    """The persons of one document, so "Mr Hayman" and "Hayman" become "Andy Hayman"."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.full: list[str] = []
        seen: set[str] = set()
        for text in sentences:
            for match in NAME_RUN.finditer(text):
                m = clean_name(match.group(0))
                if (m and len(m.name.split()) >= 2 and is_person(m.name, m.honorific)
                        and m.name not in seen):
                    seen.add(m.name)
                    self.full.append(m.name)

    def resolve(self, written: WrittenName) -> tuple[str, bool]:
        """The fullest name the document uses for a written name, and whether it is a person."""
        words = written.name.split()
        if len(words) == 1:
            for full in self.full:
                parts = full.split()
                if parts[-1] == words[0] or parts[0] == words[0]:
                    return full, True
            return written.name, written.honorific
        for full in self.full:
            if full != written.name and full.endswith(" " + written.name):
                return full, True
        return written.name, is_person(written.name, written.honorific)


def role_before(text: str) -> str | None:
    """The role written just before a name, lower-cased, as questions name the person:
    "Carib Chief" -> "carib chief", "said BRC director general" -> "brc director general".
    Sentence openers and honorifics are no role ("But Mr", "On Tuesday Mr")."""
    match = _ROLE_BEFORE.search(text)
    if match is None:
        return None
    words = match.group("role").split()
    while words and (words[0].lower() in NOT_NAMES or words[0].lower() in PHRASE_EDGES):
        words = words[1:]
    last = words[-1].lower().strip(".") if words else ""
    if len(words) < 2 or last not in ROLE_NOUNS or last in HONORIFICS:
        return None
    return " ".join(w.lower().strip(".") for w in words).replace("’", "'").removesuffix("'s")


__all__ = ["NAME_RUN", "People", "WrittenName", "clean_name", "is_person", "role_before"]
