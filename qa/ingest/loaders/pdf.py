"""PDF: the text layer in reading order, page by page, cleaned of layout.

pypdfium2 (PDFium, BSD/Apache) gives each run of text with its box; from the boxes this module
decides the order and shape of the text, so that the sentences are what a reader sees:
- two columns are read column by column (a vertical gutter no text crosses splits the page);
- lines are joined into paragraphs (a wider gap, a change of font size or a short line ending a
  sentence starts a new one), so a line break inside a sentence is a space;
- a word hyphenated across a line end is joined ("inter-" + "national" = "international");
- running headers and footers (a line at the top or bottom of most pages, page numbers aside)
  and bare page numbers are dropped.
Each page's first offset maps to Location(page=n). Chosen over pypdf by benchmarks/ingest.py.
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

# Layout thresholds, set by eye on the PDFs of tests/data/formats (LibreOffice, reportlab): white
# space between two lines' boxes of more than this many line heights ends a paragraph (single
# spacing leaves 0.2-0.7, a paragraph gap 1.3-2); a line shorter than this share of the column
# (a heading, a paragraph's last line) ends one, unless the next line visibly runs on (a hyphen
# break, a lower-case start after no sentence end); a header or footer repeats on at least this
# share of the pages.
PARAGRAPH_GAP = 1.0
SHORT_LINE = 0.7
RUNNING_SHARE = 0.5
MAX_PAGES = 5_000  # more is an archive, not a document: read the first ones, say so

_HYPHENS = "-\x02\xad\ufffe\u2010"
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[\divxlc]+(?:\s*(?:of|/)\s*\d+)?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)]*$")
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
            pages = [_page_lines(pdf[i]) for i in range(min(len(pdf), MAX_PAGES))]
            title = str(pdf.get_metadata_dict().get("Title", "")).strip()
        except pdfium.PdfiumError as exc:
            raise SkipFile(_why(str(exc))) from None
        finally:
            pdf.close()
        _drop_running(pages)
        text, locations = _join_pages([_paragraphs(lines) for lines in pages])
        if not text.strip():
            raise SkipFile(NO_TEXT)
        if not title:
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
        text = textpage.get_text_bounded(left, bottom, right, top).replace("\r", "")
        text = " ".join(text.replace("\n", " ").split())
        if text:
            runs.append(_Line(left, bottom, right, top, text))
    textpage.close()
    page.close()
    return [line for column in _columns(runs, width) for line in _lines(column)]


def _columns(runs: list[_Line], width: float) -> list[list[_Line]]:
    """Runs split at a vertical gutter in the middle of the page that no run crosses; runs
    above the columns (a title across both) come first."""
    if len(runs) < 6:
        return [runs]
    edges = sorted({r.right for r in runs} | {r.left for r in runs})
    for x in edges:
        if not 0.3 * width < x < 0.7 * width:
            continue
        gutter = x + 1
        crossing = [r for r in runs if r.left < gutter < r.right]
        left = [r for r in runs if r.right <= gutter and r not in crossing]
        right = [r for r in runs if r.left >= gutter and r not in crossing]
        if len(left) < 3 or len(right) < 3:
            continue
        columns_top = max(max(r.top for r in left), max(r.top for r in right))
        if all(r.bottom >= columns_top - 1 for r in crossing):
            return [crossing, left, right] if crossing else [left, right]
    return [runs]


def _lines(runs: list[_Line]) -> list[_Line]:
    """Runs that share a line joined left to right; lines top to bottom."""
    lines: list[list[_Line]] = []
    for run in sorted(runs, key=lambda r: (-r.top, r.left)):
        middle = (run.top + run.bottom) / 2
        if lines and lines[-1][0].bottom <= middle <= lines[-1][0].top:
            lines[-1].append(run)
        else:
            lines.append([run])
    out = []
    for parts in lines:
        parts.sort(key=lambda r: r.left)
        out.append(_Line(min(p.left for p in parts), min(p.bottom for p in parts),
                         max(p.right for p in parts), max(p.top for p in parts),
                         " ".join(p.text for p in parts)))
    return out


def _key(line: _Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def _drop_running(pages: list[list[_Line]]) -> None:
    """Remove running headers and footers and bare page numbers from each page, in place."""
    def ends(lines: list[_Line]) -> list[_Line]:
        by_height = sorted(lines, key=lambda ln: -ln.top)
        return by_height[:2] + by_height[-2:] if len(by_height) > 4 else by_height

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_key(ln) for ln in ends(lines)})
    need = max(2, RUNNING_SHARE * len(pages))
    for lines in pages:
        edge = ends(lines)
        drop = {id(ln) for ln in edge
                if counts[_key(ln)] >= need or _PAGE_NUMBER.match(ln.text.strip())}
        lines[:] = [ln for ln in lines if id(ln) not in drop]


def _paragraphs(lines: list[_Line]) -> list[str]:
    """The page's lines joined into paragraphs: hyphen breaks closed, line breaks spaces."""
    if not lines:
        return []
    height = statistics.median(ln.height for ln in lines)
    width = max(ln.right - ln.left for ln in lines)  # of a column: lines never span two
    paragraphs: list[list[_Line]] = [[lines[0]]]
    for prev, line in itertools.pairwise(lines):
        space = prev.bottom - line.top  # the white between the two lines' boxes
        short = prev.right - prev.left < SHORT_LINE * width
        runs_on = prev.text[-1] in _HYPHENS or (
            line.text[:1].islower() and not _SENTENCE_END.search(prev.text))
        if space < -height or (not runs_on and (space > PARAGRAPH_GAP * height or short)):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return [_join_lines([ln.text for ln in para]) for para in paragraphs]


def _join_lines(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        if (len(text) > 1 and text[-1] in _HYPHENS and text[-2].isalpha()
                and line[:1].islower()):
            text = text[:-1] + line
        else:
            text = text.rstrip(_HYPHENS[1:]) + " " + line
    return text.replace("\x02", "-").replace("\ufffe", "-").replace("\xad", "")


def _join_pages(pages: list[list[str]]) -> tuple[str, dict[int, Location]]:
    """The document's text, paragraphs apart by a blank line, and where each page starts. A
    paragraph running on to the next page (no sentence end, a lower-case start) is joined, and
    its sentences cite the page it starts on."""
    text = ""
    locations: dict[int, Location] = {}
    for number, paragraphs in enumerate(pages, 1):
        paragraphs = list(paragraphs)
        if (paragraphs and text and not _SENTENCE_END.search(text)
                and paragraphs[0][:1].islower()):
            text = _join_lines([text, paragraphs.pop(0)]) if text[-1] in _HYPHENS else (
                text + " " + paragraphs.pop(0))
        if not paragraphs:
            continue
        if text:
            text += "\n\n"
        locations[len(text)] = Location(page=number)
        text += "\n\n".join(paragraphs)
    return text, locations


__all__ = ["NO_TEXT", "PdfLoader"]
