"""Word .docx: paragraphs, headings as sections, tables row by row, text boxes after the
paragraph they are anchored in (once: not their fallback copy), then footnotes (under the
section "Footnotes").

A .docx is a zip of XML. It is read with the standard library (zipfile, ElementTree), not
python-docx: that needs lxml (10 MB, and slower to import than reading a small file takes) and
does not expose footnotes. Before anything is inflated the zip's directory is checked, so a zip
bomb renamed .docx is refused by its declared sizes, and inflating stops at the limit anyway.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import FOOTNOTES, Loaded, sectioned

# Inflated XML read from one .docx at most: Word's document.xml for a 500-page book is ~20 MB.
MAX_XML_BYTES = 64 * 2**20
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_HEADING = re.compile(r"^(?:heading|überschrift|titre|título|titolo|kop)\s*(\d)$", re.IGNORECASE)


class DocxLoader:
    """A .docx file's text, its headings as the section path."""

    suffixes: tuple[str, ...] = (".docx",)

    def load(self, path: Path, data: bytes) -> Loaded:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError):
            raise SkipFile("is not a Word file (not a zip archive) - damaged, or misnamed")
        with archive:
            document = _xml(archive, "word/document.xml")
            if document is None:
                raise SkipFile("is not a Word file (no word/document.xml in the archive)")
            levels = _heading_levels(_xml(archive, "word/styles.xml"))
            footnotes = _xml(archive, "word/footnotes.xml")
            title_el = _xml(archive, "docProps/core.xml")
        blocks: list[tuple[int, str]] = []  # heading level (0: body text), text
        body = document.find(f"{_W}body")
        for element in body if body is not None else ():
            if element.tag == f"{_W}p":
                text = _text(element)
                if text:
                    style = element.find(f"{_W}pPr/{_W}pStyle")
                    level = levels.get(style.get(f"{_W}val", "") if style is not None else "", 0)
                    blocks.append((level, text))
                blocks.extend((0, t) for box in _boxes(element) for t in _box_texts(box))
            elif element.tag == f"{_W}tbl":
                blocks.extend((0, row) for row in _rows(element))
        if footnotes is not None:
            notes = [_text(n) for n in footnotes.iter(f"{_W}footnote")
                     if n.get(f"{_W}id", "0") not in ("-1", "0")]
            blocks.extend((FOOTNOTES, n) for n in notes if n)
        return sectioned(blocks, _core_title(title_el), path, "has no text")


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    """One part of the archive, parsed; None when it is missing. A part whose inflated size
    is over the limit (as declared, or as found while inflating) makes the file a SkipFile."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    total = sum(i.file_size for i in archive.infolist())
    if info.file_size > MAX_XML_BYTES or total > 4 * MAX_XML_BYTES:
        raise SkipFile(f"inflates to {total / 2**20:,.0f} MB (a zip bomb?) - over the "
                       f"{MAX_XML_BYTES / 2**20:g} MB qa reads of a Word file")
    try:
        with archive.open(info) as f:
            data = f.read(MAX_XML_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise SkipFile(f"is a damaged Word file ({exc})") from None
    if len(data) > MAX_XML_BYTES:
        raise SkipFile(f"inflates to over {MAX_XML_BYTES / 2**20:g} MB (a zip bomb?)")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SkipFile(f"is a damaged Word file ({name}: {exc})") from None


def _heading_levels(styles: ElementTree.Element | None) -> dict[str, int]:
    """Style id -> heading level, from the style's name ("heading 2") or outline level."""
    levels = {"Title": 1}
    levels.update({f"Heading{n}": n for n in range(1, 10)})
    for style in styles.iter(f"{_W}style") if styles is not None else ():
        sid = style.get(f"{_W}styleId", "")
        name = style.find(f"{_W}name")
        match = _HEADING.match(name.get(f"{_W}val", "") if name is not None else "")
        outline = style.find(f"{_W}pPr/{_W}outlineLvl")
        if match:
            levels[sid] = int(match.group(1))
        elif outline is not None and outline.get(f"{_W}val", "").isdigit():
            levels[sid] = int(outline.get(f"{_W}val", "0")) + 1
    return levels


def _own(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The element and what it holds, in document order, less text boxes (read apart, after
    their paragraph) and the fallback copy Word keeps of each for older readers."""
    stack = [element]  # not recursion: a hostile file may nest thousands deep
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in reversed(node) if c.tag not in (_FALLBACK, f"{_W}txbxContent"))


def _boxes(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The text boxes anchored in a paragraph (a pull quote, a sidebar), their fallback
    copies left out."""
    stack = list(reversed(element))
    while stack:
        node = stack.pop()
        if node.tag == f"{_W}txbxContent":
            yield node
        elif node.tag != _FALLBACK:
            stack.extend(reversed(node))


def _box_texts(box: ElementTree.Element) -> list[str]:
    texts = [_text(p) for p in box if p.tag == f"{_W}p"]
    texts += [row for table in box if table.tag == f"{_W}tbl" for row in _rows(table)]
    return [t for t in texts if t]


def _text(element: ElementTree.Element) -> str:
    """A paragraph's text: its runs, tabs and breaks as spaces, spaces single; the text of a
    text box anchored in it is not its text."""
    parts = []
    for node in _own(element):
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr") or (
                node.tag == f"{_W}p" and node is not element):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _rows(table: ElementTree.Element) -> list[str]:
    """A table's rows, one line each, cells apart by a semicolon (a row reads as one clause)."""
    rows = []
    for row in table.iter(f"{_W}tr"):
        cells = [_text(cell) for cell in row.findall(f"{_W}tc")]
        line = "; ".join(c for c in cells if c)
        if line:
            rows.append(line)
    return rows


def _core_title(core: ElementTree.Element | None) -> str:
    if core is None:
        return ""
    for node in core.iter():
        if node.tag.endswith("}title") and node.text:
            return " ".join(node.text.split())
    return ""


__all__ = ["DocxLoader"]
