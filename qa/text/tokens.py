"""Word tokens and index terms: how every part of qa cuts text into words."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|\$|%", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can could did do does doing don't down during each
    few for from further had has have having he her here hers herself him himself his how i if
    in into is isn't it it's its itself just let's me more most my myself no nor not of off on
    once only or other our ours ourselves out over own same she should so some such than that
    that's the their theirs them themselves then there there's these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves also said says say tell told did does""".split()
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, apostrophes normalised, nothing dropped."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Index terms: words without stop words, stemmed; possessive 's removed."""
    kept = [w[:-2] if w.endswith("'s") else w for w in words(text) if w not in STOPWORDS]
    return list(_stemmer().stemWords(kept)) if kept else []


__all__ = ["STOPWORDS", "terms", "words"]
