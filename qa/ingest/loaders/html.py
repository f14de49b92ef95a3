"""HTML: the main text of a page, its headings as sections, entities decoded, titled by its
<title> less the site's name.

Parsed with selectolax's Lexbor engine (MIT; one small wheel, no lxml), imported only when a
page is read. What is not the page's own text is dropped before reading: scripts, styles,
navigation, headers, footers, sidebars, forms, and anything whose id, class or role names a
cookie banner, menu or the like. When the page marks its main text (<main>, <article>, role
"main"), only that is read; when it does not, the element whose paragraphs hold the most text
(`<div class="story-body">`), under the page's <h1>. Chosen over trafilatura by
benchmarks/ingest.py: 2,054 pages/s against 212, the same sentences kept and no boilerplate in
either; and no lxml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import Loaded, sectioned

_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "nav", "header",
              "footer", "aside", "form", "button", "select", "head", "object", "canvas"]
# Boilerplate named by id, class or role; matched as whole words of those attributes.
_BOILER = re.compile(r"(?:^|[\s_-])(?:cookies?|consent|gdpr|banner|nav|navbar|navigation|menu|"
                     r"breadcrumbs?|sidebar|footer|header|share|social|advert|ads|promo|"
                     r"newsletter|popup|modal|skip|related|popular|trending|masthead)"
                     r"(?:$|[\s_-])", re.IGNORECASE)
_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd",
           "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u",
           "var", "wbr", "font", "label", "del", "ins", "-text"}


class HtmlLoader:
    """A .html or .htm page's main text."""

    suffixes: tuple[str, ...] = (".html", ".htm", ".xhtml")

    def load(self, path: Path, data: bytes) -> Loaded:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(_decode(data))
        title_node = tree.css_first("title")
        title = " ".join(title_node.text().split()) if title_node is not None else ""
        tree.strip_tags(_DROP_TAGS)
        for node in list(tree.css("[id], [class], [role]")):
            names = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}"
            boiler = (node.attributes.get("role") or "") in _ROLES or _BOILER.search(names)
            if boiler and node.tag not in ("html", "body", "main", "article"):
                node.decompose()
        root = (tree.css_first("main") or tree.css_first("[role=main]")
                or tree.css_first("article") or _densest(tree.body) or tree.body)
        if root is None:
            raise SkipFile("has no body text")
        blocks: list[tuple[int, str]] = []
        heading = tree.css_first("h1")
        if heading is not None and root is not tree.body and not _inside(heading, root):
            blocks.append((1, " ".join(heading.text(deep=True, separator=" ").split())))
        _walk(root, blocks)
        # "Headline - Site name" (or "Site | Headline"): the page's own <h1> is its title.
        h1 = next((text for level, text in blocks if level == 1), "")
        if h1 and h1.casefold() in title.casefold():
            title = h1
        return sectioned(blocks, title, path,
                         "has no text outside navigation, scripts and styles")


# Paragraph text a block must hold to be taken for a page's story when the page does not mark
# it (no <main> or <article>): less is a teaser or a footer, read better as the whole body.
STORY_CHARS = 200


def _densest(body: Any) -> Any:
    """The element whose own <p> children hold the most text - a page's story when it is not
    marked, as in `<div class="story-body">` - or None when none holds STORY_CHARS."""
    if body is None:
        return None
    best, most = None, STORY_CHARS - 1
    for node in body.traverse():
        size = sum(len(child.text(deep=True)) for child in node.iter() if child.tag == "p")
        if size > most:
            best, most = node, size
    return best


def _inside(node: Any, root: Any) -> bool:
    while node is not None:
        if node.mem_id == root.mem_id:
            return True
        node = node.parent
    return False


def _decode(data: bytes) -> str:
    """The page's characters: its declared charset, else UTF-8, else Windows-1252."""
    head = data[:2048].lower()
    match = re.search(rb"charset=[\"']?([a-z0-9_-]+)", head)
    for encoding in ([match.group(1).decode()] if match else []) + ["utf-8", "cp1252"]:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _walk(node: Any, blocks: list[tuple[int, str]]) -> None:
    """Append the node's blocks of text: headings with their level, table rows with cells
    apart by a semicolon, other block elements as paragraphs, inline text joined up."""
    line: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(line).split())
        if text:
            blocks.append((0, text))
        line.clear()

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in _INLINE:
            line.append(child.text(deep=True, separator=""))
        elif tag == "br":
            line.append(" ")
        elif tag in _HEADINGS:
            flush()
            heading = " ".join(child.text(deep=True, separator=" ").split())
            if heading:
                blocks.append((_HEADINGS[tag], heading))
        elif tag == "tr":
            flush()
            cells = [" ".join(c.text(deep=True, separator=" ").split())
                     for c in child.iter() if c.tag in ("td", "th")]
            row = "; ".join(c for c in cells if c)
            if row:
                blocks.append((0, row))
        elif tag.startswith("-") or tag in ("img", "hr", "input"):
            continue
        else:
            flush()
            _walk(child, blocks)
    flush()


__all__ = ["HtmlLoader"]
