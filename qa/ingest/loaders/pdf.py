"""PDF: the text layer in reading order, page by page, cleaned of layout.

pypdfium2 (PDFium, BSD/Apache) gives each run of text with its box; from the boxes this module
decides the order and shape of the text, so that the sentences are what a reader sees:
- two columns are read column by column (a vertical gutter no text crosses splits the page);
- lines are joined into paragraphs (a wider gap, a change of font size or a short line ending a
  sentence starts a new one), so a line break inside a sentence is a space;
- a bullet from a symbol font (a private-use character) is a bullet, so each item is a
  paragraph and its sentences are cut as such;
- a word hyphenated across a line end is joined ("inter-" + "national" = "international"), a
  compound's own hyphen kept ("fourth-" + "quarter"; see hyphens.py);
- running headers and footers (a line at the top or bottom of most pages, page numbers aside),
  bare page numbers, and a page's outermost line set apart in its margin that ends no sentence
  (the header of a one-page file, a footer ending in "Page 2 of 5") are dropped.
Each page's first offset maps to Location(page=n). Chosen over pypdf by benchmarks/ingest.py:
133 pages/s against 41 on the same 111 pages, and every test sentence found against none of the
hyphenated or two-column ones.
pypdfium2 is imported here only, so it loads only when a PDF is read (in the extraction worker).
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import Loaded, Location
from qa.ingest.loaders.hyphens import Spellings

# Layout thresholds, set by eye on the PDFs of tests/data/formats (LibreOffice, reportlab): white
# space between two lines' boxes of more than this many line heights ends a paragraph (single
# spacing leaves 0.2-0.7, a paragraph gap 1.3-2); a line shorter than this share of the column
# (a heading, a paragraph's last line) ends one, unless the next line visibly runs on (a hyphen
# break, a lower-case start after no sentence end); a header or footer repeats on at least this
# share of the pages.
PARAGRAPH_GAP = 1.0
SHORT_LINE = 0.7
RUNNING_SHARE = 0.5
# A page's top or bottom line whose box lies in this outer share of the page height, in type no
# bigger than the body's and this many line heights away from the text, is page furniture: the
# headers and footers of Word, LibreOffice and reportlab sit within 6% of the edge, body text
# under 1-inch (or 50 pt) margins below 7%, and a line of it always has text a line away.
MARGIN_SHARE = 0.08
MARGIN_GAP = 1.5
MAX_SPANNING = 3  # lines of a header and title set across two columns above them
MIN_GUTTER = 0.6  # line heights: the narrowest white between two columns (a word space is less)
MAX_FOOTER = 2  # lines of a footer (a centred page number) across two columns below them
MAX_PAGES = 5_000  # more is an archive, not a document: read the first ones, say so

_HYPHENS = "-\x02\xad\ufffe\u2010"
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[\divxlc]+(?:\s*(?:of|/)\s*\d+)?$", re.IGNORECASE)
# A footer's text with its page number: "Annual report - page 3", "... Page 2 of 5".
_ENDS_IN_PAGE = re.compile(r"(?:\bpage\s+\d+|\b\d+\s*(?:of|/)\s*\d+)$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[•◦▪▸►‣⁃∙·*–-]|\d{1,2}[.)])\s")  # a list item starts a paragraph
# A bullet drawn from a symbol font (Word's and LibreOffice's from Symbol or Wingdings) comes
# out as a private-use character: a line starting with one is a list item.
_PUA_BULLET = re.compile(r"^[\ue000-\uf8ff]\s")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)]*$")
# A title the writing program puts when the author gave none (reportlab's "untitled", Google
# Docs' "Untitled document", Adobe's "Untitled-1"): no title, so the text's first line is used.
_PLACEHOLDER_TITLE = re.compile(r"^untitled\b", re.IGNORECASE)
NO_TEXT = "has no text layer: scanned pages need OCR, which qa does not do"


@dataclass(slots=True)
class _Line:
    left: float
    bottom: float
    right: float
    top: float
    text: str

    @property
    def height(self) -> float:
        return self.top - self.bottom


class PdfLoader:
    """A .pdf file's text layer, page by page."""

    suffixes: tuple[str, ...] = (".pdf",)

    def load(self, path: Path, data: bytes) -> Loaded:
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise SkipFile(_why(str(exc))) from None
        try:
            # the page size from the document: loading each page only for it cost 17% of a read
            heights = [float(pdf.get_page_size(i)[1]) for i in range(min(len(pdf), MAX_PAGES))]
            pages = [_page_lines(pdf[i]) for i in range(len(heights))]
            title = str(pdf.get_metadata_dict().get("Title", "")).strip()
        except pdfium.PdfiumError as exc:
            raise SkipFile(_why(str(exc))) from None
        finally:
            pdf.close()
        _drop_running(pages, heights)
        spellings = Spellings()
        for lines in pages:
            spellings.add_lines(ln.text for ln in lines)
        text, locations = _join_pages([_paragraphs(lines, spellings) for lines in pages],
                                      spellings)
        if not text.strip():
            raise SkipFile(NO_TEXT)
        if not title or _PLACEHOLDER_TITLE.match(title):
            first = next((p for p in text.split("\n\n") if p.strip()), "")
            title = first if len(first) <= 150 else path.stem
        return Loaded(text, title, locations)


def _why(message: str) -> str:
    """PDFium's error as the reason a file is skipped."""
    low = message.lower()
    if "password" in low:
        return "is encrypted (password protected) - save an unprotected copy to index it"
    if "format" in low or "file" in low:
        return "is damaged or not a PDF (PDFium could not open it)"
    return f"cannot be read as PDF ({message})"


def _page_lines(page: Any) -> list[_Line]:
    """The page's lines of text in reading order, columns one after the other."""
    textpage = page.get_textpage()
    width = float(page.get_size()[0])
    runs = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        runs.append(_Line(left, bottom, right, top, ""))
    # A run much lower than the others is punctuation set apart (an apostrophe, a quote mark,
    # often just above its line's box): it makes no line of its own, but widens the box of the
    # line it sits on so that PDFium's text of the box includes it.
    usual = statistics.median(r.height for r in runs) if runs else 0.0
    lines = []
    for column in _columns(runs, width):
        marks = [r for r in column if r.height < 0.4 * usual]
        column_lines = _lines([r for r in column if r.height >= 0.4 * usual])
        for mark in marks:
            below = [ln for ln in column_lines if mark.bottom >= ln.bottom]
            if below:
                line = min(below, key=lambda ln: mark.bottom - ln.bottom)
                if mark.bottom - line.top < 0.5 * line.height:
                    line.top = max(line.top, mark.top)
                    line.left, line.right = min(line.left, mark.left), max(line.right, mark.right)
        for line in column_lines:
            # PDFium orders the characters inside the line's box and spaces its words; the
            # runs' own texts would split "Europe's" at the apostrophe.
            text = textpage.get_text_bounded(line.left - 0.5, line.bottom, line.right + 0.5,
                                             line.top)
            line.text = _PUA_BULLET.sub("• ", " ".join(
                text.replace("\r", " ").replace("\n", " ").split()))
            if line.text:
                lines.append(line)
    textpage.close()
    page.close()
    return lines


def _columns(runs: list[_Line], width: float) -> list[list[_Line]]:
    """Runs split at a vertical gutter in the middle of the page that no run crosses. Up to
    MAX_SPANNING lines at the top (a header, a title across both columns) come first, and up
    to MAX_FOOTER lines at the bottom (a footer, a centred page number) last."""
    if len(runs) < 6:
        return [runs]
    usual = statistics.median(r.height for r in runs)
    bands = _bands(runs)
    for spanning, footer in itertools.product(range(MAX_SPANNING + 1), range(MAX_FOOTER + 1)):
        if spanning + footer >= len(bands):
            continue
        top = [r for band in bands[:spanning] for r in band]
        bottom = [r for band in bands[len(bands) - footer:] for r in band]
        rest = [r for band in bands[spanning:len(bands) - footer] for r in band]
        covered = bytearray(int(width) + 2)
        for r in rest:
            a, b = max(0, int(r.left)), max(0, min(len(covered), int(r.right) + 1))
            covered[a:b] = b"\1" * (b - a)
        gutter = _gutter(covered, width, MIN_GUTTER * usual)
        if gutter is None:
            continue
        left = [r for r in rest if r.right <= gutter]
        right = [r for r in rest if r.left >= gutter]
        if len(left) < 3 or len(right) < 3:
            return [runs]  # text on one side only: one column, set off-centre
        return [c for c in (top, left, right, bottom) if c]
    return [runs]


def _gutter(covered: bytearray, width: float, least: float) -> int | None:
    """The middle of the widest stretch no run covers in the middle of the page, when it is at
    least `least` wide (the space between two words is not a gutter)."""
    best: tuple[int, int] = (0, 0)
    start = None
    for x in range(int(0.3 * width), int(0.7 * width) + 1):
        if x < int(0.7 * width) and not covered[x]:
            start = x if start is None else start
        elif start is not None:
            best = max(best, (x - start, start))
            start = None
    size, at = best
    return at + size // 2 if size and size >= least else None


def _bands(runs: list[_Line]) -> list[list[_Line]]:
    """Runs grouped into horizontal bands that no white line separates, top to bottom (a
    band is a line of text, or lines side by side in two columns)."""
    bands: list[list[_Line]] = []
    floor = float("inf")
    for run in sorted(runs, key=lambda r: -r.top):
        if bands and run.top > floor:
            bands[-1].append(run)
            floor = min(floor, run.bottom)
        else:
            bands.append([run])
            floor = run.bottom
    return bands


def _lines(runs: list[_Line]) -> list[_Line]:
    """The boxes of runs that share a line (overlapping by half the smaller one's height, so
    an apostrophe or a superscript joins its line), top to bottom."""
    lines: list[_Line] = []
    for run in sorted(runs, key=lambda r: -(r.top + r.bottom) / 2):
        if lines:
            line = lines[-1]
            overlap = min(line.top, run.top) - max(line.bottom, run.bottom)
            if overlap > 0.5 * min(line.height, run.height):
                line.left, line.right = min(line.left, run.left), max(line.right, run.right)
                line.bottom, line.top = min(line.bottom, run.bottom), max(line.top, run.top)
                continue
        lines.append(_Line(run.left, run.bottom, run.right, run.top, ""))
    return lines


def _key(line: _Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def _drop_running(pages: list[list[_Line]], heights: list[float]) -> None:
    """Remove running headers and footers, bare page numbers and lines set apart in the
    page's margin from each page, in place."""
    def ends(lines: list[_Line]) -> list[_Line]:
        by_height = sorted(lines, key=lambda ln: -ln.top)
        return by_height[:2] + by_height[-2:] if len(by_height) > 4 else by_height

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_key(ln) for ln in ends(lines)})
    need = max(2, RUNNING_SHARE * len(pages))
    for lines, height in zip(pages, heights, strict=True):
        edge = ends(lines)
        drop = {id(ln) for ln in edge
                if counts[_key(ln)] >= need or _PAGE_NUMBER.match(ln.text.strip())}
        drop.update(id(ln) for ln in _in_margin(lines, height))
        lines[:] = [ln for ln in lines if id(ln) not in drop]


def _in_margin(lines: list[_Line], page_height: float) -> list[_Line]:
    """The lines of the page's top and bottom band (a header or footer, maybe in pieces side
    by side) when the band sits in the margin, in body-size type, set apart from the text;
    and a line there that ends in a page number."""
    bands = _bands(lines)
    if len(bands) < 3:
        return []
    body = statistics.median(ln.height for ln in lines)
    margin = MARGIN_SHARE * page_height
    out = []
    for band, gap in ((bands[0], min(ln.bottom for ln in bands[0])
                       - max(ln.top for ln in bands[1])),
                      (bands[-1], min(ln.bottom for ln in bands[-2])
                       - max(ln.top for ln in bands[-1]))):
        outer = all(min(ln.bottom, page_height - ln.top) <= margin for ln in band)
        small = all(ln.height <= 1.05 * body for ln in band)
        # A header or footer is a label ("Harbour News - Spring issue"); a line there ending a
        # sentence is the page's text (its first sentence set apart by a blank line, a
        # footnote), which the place alone cannot tell from a header that repeats nowhere.
        label = not any(_SENTENCE_END.search(ln.text) for ln in band)
        if outer and small and label and gap > MARGIN_GAP * body:
            out += band
        elif outer and small:
            out += [ln for ln in band if _ENDS_IN_PAGE.search(ln.text)]
    return out


def _paragraphs(lines: list[_Line], spellings: Spellings
                ) -> tuple[list[str], bool, bool]:
    """The page's lines joined into paragraphs: hyphen breaks closed, line breaks spaces."""
    if not lines:
        return [], False, False
    height = statistics.median(ln.height for ln in lines)
    # A column's width: the widest line (headers and footers are gone by now, and lines never
    # span two columns) below the page's title, whose big type across the page over one column
    # of text would make every line of the column short.
    body = itertools.dropwhile(lambda ln: ln.height > 1.2 * height, lines)
    width = max((ln.right - ln.left for ln in body),
                default=max(ln.right - ln.left for ln in lines))
    paragraphs: list[list[_Line]] = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        space = prev.bottom - line.top  # the white between the two lines' boxes
        short = prev.right - prev.left < SHORT_LINE * width
        ended = bool(_SENTENCE_END.search(prev.text))
        runs_on = prev.text[-1] in _HYPHENS or (line.text[:1].islower() and not ended)
        # "- which ..." after a full line that ends no sentence is a dash, not a list item.
        item = bool(_BULLET.match(line.text)) and (line.text[0] not in "-–" or short or ended)
        if space < -height:  # the next column: a full line ending no sentence runs on there
            new = not runs_on and (short or ended)
        else:
            new = item or (not runs_on and (space > PARAGRAPH_GAP * height or short))
        if new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    last, first = lines[-1], lines[0]
    # The page ends mid-paragraph when its last line is full and ends no sentence, and may
    # start mid-paragraph when its first line is full (a heading is not).
    open_end = (last.right - last.left >= SHORT_LINE * width
                and not _SENTENCE_END.search(last.text))
    open_start = first.right - first.left >= SHORT_LINE * width
    return ([_join_lines([ln.text for ln in para], spellings) for para in paragraphs],
            open_end, open_start)


def _join_lines(lines: list[str], spellings: Spellings) -> str:
    """Lines as one paragraph: a word broken at a line end joined, a compound's hyphen kept
    (with no space after it), other line breaks a space."""
    text = lines[0]
    for line in lines[1:]:
        if len(text) > 1 and text[-1] in _HYPHENS and text[-2].isalnum() and line[:1].isalnum():
            if spellings.keeps_hyphen(text[:-1], line):
                text = text[:-1] + "-" + line
            else:
                text = text[:-1] + line
        else:
            text = text.rstrip(_HYPHENS[1:]) + " " + line
    return text.replace("\x02", "-").replace("\ufffe", "-").replace("\xad", "")


def _join_pages(pages: list[tuple[list[str], bool, bool]], spellings: Spellings
                ) -> tuple[str, dict[int, Location]]:
    """The document's text, paragraphs apart by a blank line, and where each page starts. A
    paragraph running on to the next page (no sentence end, and a lower-case start or full
    lines either side of the break) is joined: the sentence across the break cites the page it starts on, the
    sentences after it the next."""
    text = ""
    locations: dict[int, Location] = {}
    open_end = False
    for number, (paragraphs, ends_open, starts_open) in enumerate(pages, 1):
        paragraphs = list(paragraphs)
        if paragraphs and text and not _SENTENCE_END.search(text) and (
                paragraphs[0][:1].islower() or (open_end and starts_open)):
            tail = paragraphs.pop(0)
            text = _join_lines([text, tail], spellings) if text[-1] in _HYPHENS else (
                text + " " + tail)
            locations[len(text) - len(_join_lines([tail], spellings))] = Location(page=number)
        open_end = ends_open if pages[number - 1][0] else open_end
        if not paragraphs:
            continue
        if text:
            text += "\n\n"
        locations[len(text)] = Location(page=number)
        text += "\n\n".join(paragraphs)
    return text, locations


__all__ = ["NO_TEXT", "PdfLoader"]
