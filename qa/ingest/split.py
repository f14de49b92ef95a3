"""Splitting a document's text into passages and sentences, with offsets into the text.

Passages are blank-line separated paragraphs. Sentences end at . ! ? or an ellipsis when a new
sentence visibly starts after it, except after abbreviations and initials; a list item or
heading line starts a sentence of its own, and an over-long stretch is cut at a space.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from qa.ingest.document import Sentence

# A sentence longer than this is cut at a space: the model reads only ~256 word pieces anyway,
# and one 1,000,000-character line must not become one unreadable answer.
MAX_SENTENCE_CHARS = 600
# Text running on this long with no sentence ending (a log, a data dump) is worth a notice.
LONG_STRETCH_CHARS = 5_000

_PASSAGE_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_OPENERS = "\"'“‘«(["
_CLOSERS = "\"'”’»)]"
# A sentence ends at . ! ? or an ellipsis, plus closing quotes/brackets, when whitespace and
# the start of a new sentence (an opening quote or bracket, then a capital or digit) follow.
# A run of stops is tried from its first only: tried from each, a line of 20,000 dots took 14 s.
_END = re.compile(
    r"(?:(?<![.!?])[.!?]+|…|\.\.\.)[" + re.escape(_CLOSERS) + r"]*"
    r"(?=\s+[" + re.escape(_OPENERS) + r"]*[A-Z0-9À-ÖØ-Þ])"
)
_LINE_START = re.compile(r"\n(?=[ \t]*(?:[-*+•]\s|\d+[.)]\s|#))")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr gen col lt sgt capt cmdr adm gov sen rep rev hon pres supt
    insp det inc ltd co corp bros vs etc no nos vol fig jan feb mar apr jun jul aug sep sept
    oct nov dec mt ft approx dept est univ ave blvd rd""".split()
)
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_STARTERS = frozenset(
    """the a an he she it they we i you but and this that these those there in on at as so
    if when while after before however his her their its our my one some many most mr mrs""".split()
)


def split_document(text: str, source: str, markup: bytes = b"") -> Iterator[Sentence]:
    """Split a document into sentences, with passage numbers and offsets into `text`.

    `markup` (Loaded.markup) marks characters that were markup overwritten by spaces: a
    sentence's text leaves them out, and the spaces their removal leaves doubled.
    """
    for number, (p_start, p_end) in enumerate(_passages(text)):
        for start, end in split_sentences(text, p_start, p_end):
            shown = _visible(text, start, end, markup) if markup else text[start:end]
            yield Sentence(shown, source, number, start, end)


def _visible(text: str, start: int, end: int, markup: bytes) -> str:
    """text[start:end] without its markup characters, nor a space doubled by their removal."""
    if not any(markup[start:end]):
        return text[start:end]
    out: list[str] = []
    gap = False  # markup was left out since the last character kept
    for i in range(start, end):
        ch = text[i]
        if markup[i]:
            gap = True
        elif gap and ch in " \t" and out and out[-1] in " \t\n":
            continue
        else:
            if gap and ch == "\n" and out and out[-1] in " \t":
                out.pop()
            out.append(ch)
            gap = gap and ch in " \t\n"
    return "".join(out).strip()


def long_stretch_note(text: str, sentences: Sequence[Sentence]) -> str:
    """A note when some text runs on for pages with no sentence ending (so it was cut), else ""."""
    # Only a stretch that was cut leaves pieces of half the limit or more: skip the rescan.
    if not any(len(s.text) >= MAX_SENTENCE_CHARS // 2 for s in sentences):
        return ""
    lengths = [b - a for p_start, p_end in _passages(text)
               for a, b in _sentence_spans(text, p_start, p_end) if b - a > LONG_STRETCH_CHARS]
    if not lengths:
        return ""
    pieces = f"pieces of at most {MAX_SENTENCE_CHARS} characters"
    if len(lengths) == 1:
        return (f"a {lengths[0]:,}-character stretch with no sentence ending was cut into "
                f"{pieces}")
    return (f"{len(lengths):,} stretches of up to {max(lengths):,} characters with no sentence "
            f"ending were cut into {pieces}")


def _passages(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _PASSAGE_BREAK.finditer(text):
        if text[pos : match.start()].strip():
            yield pos, match.start()
        pos = match.end()
    if text[pos:].strip():
        yield pos, len(text)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text[start:end]`, trimmed of surrounding whitespace."""
    return [piece for a, b in _sentence_spans(text, start, end)
            for piece in _cap_length(text, a, b)]


def _sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Like split_sentences, without cutting over-long sentences."""
    end = len(text) if end is None else end
    cuts = [start]
    for match in _END.finditer(text, start, end):
        if not _is_abbreviation(text, match.start(), match.end(), start, end) and not (
                _LIST_NUMBER.fullmatch(text, _line_start(text, start, match.start()),
                                       match.start())):
            cuts.append(match.end())
    for match in _LINE_START.finditer(text, start, end):
        cuts.append(match.start())
    cuts.append(end)
    spans: list[tuple[int, int]] = []
    for a, b in zip(sorted(set(cuts)), sorted(set(cuts))[1:]):
        a, b = _trim(text, a, b)
        if a < b:
            spans.append((a, b))
    return spans


def _is_abbreviation(text: str, dot: int, after: int, lo: int, hi: int) -> bool:
    """True when the full stop at `dot` belongs to an abbreviation or initial, not an ending."""
    if text[dot] != "." or text[dot : dot + 3] == "..." or after - dot > 1 and text[dot + 1] == ".":
        return False
    word_start = dot
    while word_start > lo and not text[word_start - 1].isspace() and text[word_start - 1] not in _OPENERS:
        word_start -= 1
    word = text[word_start:dot]
    next_word = re.match(r"\s*[" + re.escape(_OPENERS) + r"]*(\w+)", text[after : min(hi, after + 40)])
    following = next_word.group(1).lower() if next_word else ""
    if word.lower().rstrip(".") in _ABBREVIATIONS and "." not in word:
        return word.lower() not in ("etc", "no") or following not in _STARTERS
    if _DOTTED.match(word) or (len(word) == 1 and word.isalpha() and word.isupper()):
        # U.S., a.m., J. K. Rowling: an ending only when a common sentence opener follows.
        return following not in _STARTERS
    return False


_MARKER = re.compile(r"(?:#{1,6}|[-*+•]|>)[ \t]+")
_NUMBER_MARKER = re.compile(r"\d{1,2}[.)][ \t]+")
# "1." or "12" before the stop of a numbered list item, alone at the start of its line.
_LIST_NUMBER = re.compile(r"[ \t]*\d{1,2}")


def _line_start(text: str, lo: int, at: int) -> int:
    """Where the line holding `at` starts, not before `lo`."""
    return max(lo, text.rfind("\n", lo, at) + 1)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop surrounding whitespace, and a leading Markdown heading, bullet or quote marker, or
    a list item's number at the start of a line."""
    while a < b and text[a].isspace():
        a += 1
    marker = _MARKER.match(text, a, b)
    if marker is None and not text[_line_start(text, 0, a):a].strip():
        marker = _NUMBER_MARKER.match(text, a, b)  # "1. " opening a line: a list item's number
    if marker:
        a = marker.end()
        while a < b and text[a].isspace():  # "- \r0": more whitespace after the marker
            a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _cap_length(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while b - a > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", a + MAX_SENTENCE_CHARS // 2, a + MAX_SENTENCE_CHARS)
        cut = cut if cut > a else a + MAX_SENTENCE_CHARS
        x, y = _trim(text, a, cut)
        if x < y:
            yield x, y
        a, _ = _trim(text, cut, b)
    if a < b:
        yield a, b


__all__ = ["LONG_STRETCH_CHARS", "MAX_SENTENCE_CHARS", "long_stretch_note", "split_document",
           "split_sentences"]
