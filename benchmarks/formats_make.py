"""Writing BBC stories as the office files people keep, for benchmarks/formats.py.

Each writer takes a story's title and paragraphs (as the plain .txt has them) and writes one
file the way a person or a tool would: reportlab PDFs with running headers, page numbers,
justified hyphenated text and two-column pages; Word files with a title, a byline, smart quotes,
a heading and a table, also printed to PDF by LibreOffice; web pages with the site's
navigation, cookie banner, sidebar and footer around an <article>; hard-wrapped Markdown with
headings and a list. What the writer adds that is not the story (header, footer, byline, table,
navigation) is listed in BOILER, so the benchmark can tell when it leaks into a sentence.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

SITE = "Northfield Evening Post"
HEADER = f"{SITE} - news archive"
FOOTER = "Reproduced for internal research only"
# Strings the writers add around a story; one inside a sentence is boilerplate that leaked.
BOILER = [HEADER, FOOTER, "Accept all cookies", "Skip to content", "Most read",
          "Share this story", "All rights reserved", "Sign in", "Page 1 of", "Page 2 of",
          "Newsletter sign-up"]
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"])")


def smart_quotes(text: str) -> str:
    """Quotes as Word's AutoFormat types them: curly, opening after a space or bracket."""
    text = re.sub(r"(^|[\s(\[])\"", "\\1\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(^|[\s(\[])'", "\\1\u2018", text)
    return text.replace("'", "\u2019")


# --- PDF by reportlab ----------------------------------------------------------------------


def pdf_reportlab(path: Path, title: str, paras: list[str], columns: bool) -> None:
    """A4, justified 11 pt text hyphenated at line ends (pyphen), a running header and a
    "Page n of N" footer; `columns`: the title across the page, the story in two columns."""
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        FrameBreak,
        NextPageTemplate,
        PageTemplate,
        Paragraph,
    )

    w, h = A4
    pages = {"n": 0}

    def furniture(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(56, h - 34, HEADER)
        canvas.drawRightString(w - 56, h - 34, title[:60])
        canvas.line(56, h - 38, w - 56, h - 38)
        canvas.drawString(56, 28, FOOTER)
        canvas.drawRightString(w - 56, 28, f"Page {doc.page} of {pages['n'] or '?'}")
        canvas.restoreState()

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName="Times-Roman",
                          fontSize=11, leading=14, alignment=TA_JUSTIFY, spaceAfter=6,
                          hyphenationLang="en_GB", embeddedHyphenation=1, uriWasteReduce=0.3)
    full = w - 112
    if columns:
        half = (full - 18) / 2
        first = [Frame(56, h - 150, full, 96, id="title"),
                 Frame(56, 50, half, h - 200, id="left"),
                 Frame(56 + half + 18, 50, half, h - 200, id="right")]
        rest = [Frame(56, 50, half, h - 100), Frame(56 + half + 18, 50, half, h - 100)]
        templates = [PageTemplate("first", first, onPage=furniture),
                     PageTemplate("later", rest, onPage=furniture)]
    else:
        templates = [PageTemplate("first", [Frame(56, 50, full, h - 100)], onPage=furniture)]
    for _ in range(2):  # the second pass knows the page count for the footer
        story: list[Any] = [Paragraph(html.escape(title), styles["Title"])]
        if columns:
            story += [NextPageTemplate("later"), FrameBreak()]
        story += [Paragraph(html.escape(p), body) for p in paras]
        doc = BaseDocTemplate(str(path), pagesize=A4, title=title, author=SITE)
        doc.addPageTemplates(templates)
        doc.build(story)
        pages["n"] = doc.page


# --- Word ----------------------------------------------------------------------------------


def _page_field(paragraph: Any) -> None:
    """A PAGE field in the paragraph (Word's page number in a footer)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def docx_file(path: Path, title: str, paras: list[str], category: str) -> None:
    """A Word report: title, byline, smart quotes, a heading half way, one paragraph's
    sentences as a bulleted list, a facts table, and a running header and page-numbered
    footer."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    section = d.sections[0]
    section.header.paragraphs[0].text = HEADER
    footer = section.footer.paragraphs[0]
    footer.text = f"{FOOTER} - page "
    _page_field(footer)
    d.add_heading(smart_quotes(title), level=0)
    d.add_paragraph(f"By our {category} correspondent").italic = True
    half = max(2, len(paras) // 2)
    for i, p in enumerate(paras):
        if i == half:
            d.add_heading("Background", level=1)
        if i == _listed(paras):
            for sentence in _SENT.split(p):
                d.add_paragraph(smart_quotes(sentence), style="List Bullet")
        else:
            d.add_paragraph(smart_quotes(p))
    d.add_heading("Key facts", level=1)
    table = d.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    words = sum(len(p.split()) for p in paras)
    for row, (k, v) in enumerate([("Section", category.title()), ("Length", f"{words} words"),
                                  ("Source", SITE)]):
        table.cell(row, 0).text = k
        table.cell(row, 1).text = v
    d.save(str(path))


def libreoffice_pdfs(docx_files: list[Path], out: Path) -> None:
    """Print Word files to PDF with LibreOffice, in one run (its start-up is seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out), *map(str, docx_files)],
                       check=True, capture_output=True, timeout=1800)


# --- HTML ----------------------------------------------------------------------------------


def html_page(title: str, paras: list[str], category: str, others: list[str]) -> str:
    """A news site's page: the story in <article>, the site around it."""
    e = html.escape
    most_read = "".join(f"<li><a href='/story/{i}'>{e(t)}</a></li>" for i, t in enumerate(others))
    body = "\n".join(f"<p>{e(p)}</p>" for p in paras)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{e(title)} - {SITE}</title>
<meta name="viewport" content="width=device-width"><link rel="stylesheet" href="/site.css">
<script>window.dataLayer = [{{"page": "story", "section": "{category}"}}];</script>
<style>.cookie-banner {{ position: fixed; }}</style></head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<div id="cookie-banner" class="cookie-consent" role="dialog"><p>We use cookies to give you
the best experience. Accept all cookies or manage your settings.</p>
<button>Accept all cookies</button></div>
<header class="site-header"><div class="logo">{SITE}</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/{category}">{category.title()}</a></li><li><a href="/login">Sign in</a></li>
</ul></nav></header>
<ol class="breadcrumbs"><li>Home</li><li>{category.title()}</li></ol>
<div class="layout">
<article id="content">
<h1>{e(title)}</h1>
<p class="byline">By our {category} correspondent · <time>12 March 2005</time></p>
<div class="share-tools">Share this story: Facebook Twitter Email</div>
{body}
<p class="tags">Topics: {category.title()}</p>
</article>
<aside class="sidebar"><h2>Most read</h2><ol>{most_read}</ol>
<div class="newsletter">Newsletter sign-up: the day's news in your inbox.</div></aside>
</div>
<footer class="site-footer"><p>&copy; 2005 {SITE}. All rights reserved.</p>
<p><a href="/privacy">Privacy</a> <a href="/cookies">Cookies</a></p></footer>
<script>document.querySelector(".cookie-banner").hidden = false;</script>
</body></html>
"""


# --- Markdown and text -----------------------------------------------------------------------


def _listed(paras: list[str]) -> int:
    """The paragraph set as a bulleted list: the first after the lead with three sentences."""
    return next((i for i, p in enumerate(paras) if i and len(_SENT.split(p)) >= 3), -1)


def markdown(title: str, paras: list[str], category: str) -> str:
    """Hard-wrapped at 72 columns as editors save it (never at a hyphen, which a Markdown
    reader would show as "single- handedly"); a byline, a heading half way, and the
    sentences of one paragraph as a bulleted list."""
    out = [f"# {title}", "", f"*By our {category} correspondent*", ""]
    half = max(2, len(paras) // 2)
    listed = _listed(paras)
    for i, p in enumerate(paras):
        if i == half:
            out += ["## Background", ""]
        if i == listed:
            out += [textwrap.fill(s, 72, initial_indent="- ", subsequent_indent="  ",
                                  break_on_hyphens=False) for s in _SENT.split(p)]
        else:
            out.append(textwrap.fill(p, 72, break_on_hyphens=False))
        out.append("")
    return "\n".join(out)


def write(folder: Path, stories: list[tuple[str, str, str, list[str]]],
          kinds: dict[str, str]) -> None:
    """Write each story (name, category, title, paragraphs) in its kind under `folder`:
    `kinds` maps a name to pdf, pdf-2col, pdf-lo, docx, html, md or txt."""
    titles = [t for _, _, t, _ in stories]
    for_lo: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, category, title, paras) in enumerate(stories):
            kind = kinds[name]
            target = folder / category
            target.mkdir(parents=True, exist_ok=True)
            stem = target / Path(name).stem
            if kind in ("pdf", "pdf-2col"):
                pdf_reportlab(stem.with_suffix(".pdf"), title, paras, kind == "pdf-2col")
            elif kind == "docx":
                docx_file(stem.with_suffix(".docx"), title, paras, category)
            elif kind == "pdf-lo":
                source = Path(tmp) / category / f"{stem.name}.docx"
                source.parent.mkdir(exist_ok=True)
                docx_file(source, title, paras, category)
                for_lo.append(source)
            elif kind == "html":
                others = [titles[(i + k) % len(titles)] for k in (7, 19, 31, 43, 55)]
                stem.with_suffix(".html").write_text(html_page(title, paras, category, others),
                                                     encoding="utf-8")
            elif kind == "md":
                stem.with_suffix(".md").write_text(markdown(title, paras, category),
                                                   encoding="utf-8")
            else:
                stem.with_suffix(".txt").write_text(title + "\n\n" + "\n\n".join(paras) + "\n",
                                                    encoding="utf-8")
        for category in sorted({p.parent.name for p in for_lo}):
            libreoffice_pdfs([p for p in for_lo if p.parent.name == category],
                             folder / category)


def tools_missing() -> str:
    """What is missing to write the folder, "" when nothing is."""
    for module in ("reportlab", "docx", "pyphen"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} (pip install reportlab python-docx pyphen)"
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice on PATH)"
    return ""
