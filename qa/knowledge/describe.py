"""Whether a sentence says who a person is, for questions such as "who is Vucic?"."""

from __future__ import annotations

import re

from qa.text import CAPITAL, DESCRIPTION_NOUNS, HONORIFICS, LazyPattern, alternation

_CAPITALISED = LazyPattern(CAPITAL)
# A capitalised word before a surname that may still be the same person: "Mr", "President".
_NOT_A_FIRST_NAME = HONORIFICS | DESCRIPTION_NOUNS
# After a name: ", founder of ...", ", the man who ...", " (1901 - 1968) was an ...".
_DESCRIBED_AFTER = LazyPattern(
    rf"(?i:,\s+(?:(?:its|their)\s+)?(?:[\w'’\-]+\s+){{0,4}}?"
    rf"(?:{alternation(DESCRIPTION_NOUNS)})\b)"
    r"|,\s+(?:the|a|an)\s+[\w'’\-]+"
    r"|\s+(?:\([^()]*\)\s+)?(?:is|was)\s+(?:a|an|the)\s")
_WORD_OR_INITIAL = LazyPattern(r"[\w'’\-.]+")  # "Dr.", "U.S." stay whole
_FIRST_NAME_AFTER = LazyPattern(rf"\s+{CAPITAL}[a-z]")


def describes(name: str, text: str) -> bool:
    """Whether a sentence says who a person is: a title or role right before their name
    ("Serbian President Aleksandar Vucic"), one in apposition after it ("Dan Gillmor, founder
    of Grassroots Media", "Stan Lee, the man responsible for ..."), or "Name is a/the ...".
    `name` is a full name; its surname counts too. Answers "who is Vucic?" with what the text
    says of him, not any sentence naming him.
    """
    for form in dict.fromkeys((name, name.split()[-1])):
        for match in re.finditer(rf"(?<![\w'’]){re.escape(form)}(?![\w'’])", text):
            before = _WORD_OR_INITIAL.findall(text[: match.start()])
            if form != name and before and _CAPITALISED.match(before[-1]) and (
                    before[-1].lower().strip(".") not in _NOT_A_FIRST_NAME
                    and before[-1] not in name.split()):
                continue  # "Chris Hawkins" is someone else than Kevin Hawkins
            after = text[match.end():]
            if form != name and _FIRST_NAME_AFTER.match(after):
                continue  # "Lee Strafford" is someone else than Stan Lee
            for word in reversed(before[-6:]):
                low = word.lower().strip(".")
                if low in DESCRIPTION_NOUNS:
                    return True
                if not _CAPITALISED.match(word):
                    break
            if _DESCRIBED_AFTER.match(after):
                return True
    return False


__all__ = ["describes"]
