"""Word tokens and index terms: how every part of qa cuts text into words."""

from __future__ import annotations

from functools import lru_cache

from qa.text.language import INDEX_TOKEN, STOPWORDS


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, apostrophes normalised, nothing dropped."""
    return [w.lower().replace("’", "'") for w in INDEX_TOKEN.findall(text)]


def terms(text: str) -> list[str]:
    """Index terms: words without stop words, stemmed; possessive 's removed."""
    kept = [w.removesuffix("'s") for w in words(text) if w not in STOPWORDS]
    return list(_stemmer().stemWords(kept)) if kept else []


__all__ = ["terms", "words"]
