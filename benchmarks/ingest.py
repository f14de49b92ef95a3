"""Ingestion speed and text quality: PDF and HTML readers against an alternative, and the time to
index a mixed folder.

    .venv/bin/python benchmarks/ingest.py            # 250 BBC stories as 5 formats
    .venv/bin/python benchmarks/ingest.py --files 100

Needs ../shared/corpora/bbc-news (skips cleanly without it), reportlab and python-docx to make
the folder (the `test` tools of tests/data/make_data.py), pypdf and trafilatura for the
alternatives (each left out of the table when missing). Prints markdown tables.

- PDF: pages per second and sentence recall of qa's reader (pypdfium2 text boxes, then columns,
  paragraphs, hyphen joins, running headers dropped) against pypdf's `extract_text` (its lines
  joined by spaces, the least any user of it would do), on the generated PDFs (reportlab,
  running header and page numbers, every other one in two columns), the PDFs of tests/data and
  the two LaTeX manuals Debian ships in /usr/share/doc, when present. Recall: the share of the
  source's sentences found whole in the extracted text (spaces normalised).
- HTML: pages per second, recall of the story's sentences, and the share of pages where
  boilerplate (navigation, cookie banner, footer, script text) leaked into the text, for qa's
  reader (selectolax) against trafilatura.
- Index: reading and splitting every file of the mixed folder (no embedding); `Bot.reindex()`
  of it from nothing (extract, split, embed, write), again with nothing changed, and rebuilt
  from the extraction cache (`--rebuild`: everything embedded again, nothing parsed again).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "corpora" / "bbc-news" / "news"
DEBIAN_PDFS = [Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
               Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf")]
BOILER = ["Skip to content", "Accept all cookies", "Copyright BBC archive", "var tracker"]
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def _stories(n: int) -> list[tuple[str, list[str]]]:
    """n stories: title and paragraphs."""
    files = sorted(BBC.rglob("*.txt"))[:n]
    out = []
    for f in files:
        lines = [ln.strip() for ln in f.read_text(encoding="utf-8", errors="replace").split("\n")]
        paras = [ln for ln in lines if ln]
        out.append((paras[0], paras[1:]))
    return out


def _sentences(paragraphs: list[str]) -> list[str]:
    return [s for p in paragraphs for s in _SENT.split(p) if len(s) > 20]


def _pdf(path: Path, title: str, paras: list[str], columns: bool) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    w, h = A4

    def furniture(canvas: object, doc: object) -> None:
        canvas.setFont("Helvetica", 8)  # type: ignore[attr-defined]
        canvas.drawString(56, h - 30, "BBC News archive - business and technology")  # type: ignore[attr-defined]
        canvas.drawString(w / 2, 20, str(doc.page))  # type: ignore[attr-defined]

    frames = ([Frame(40, 40, (w - 100) / 2, h - 90), Frame(60 + (w - 100) / 2, 40, (w - 100) / 2,
                                                            h - 90)]
              if columns else [Frame(56, 40, w - 112, h - 90)])
    doc = BaseDocTemplate(str(path), pagesize=A4, title=title)
    doc.addPageTemplates([PageTemplate(frames=frames, onPage=furniture)])
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    body.fontSize = 13  # big type: the stories run to two or three pages
    body.leading = 16
    story = [Paragraph(html.escape(title), styles["Heading1"])]
    story += [Paragraph(html.escape(p), body) for p in paras]
    doc.build(story)


def _docx(path: Path, title: str, paras: list[str]) -> None:
    import docx

    d = docx.Document()
    d.add_heading(title, 1)
    for i, p in enumerate(paras):
        if i and i % 4 == 0:
            d.add_heading(f"Part {i // 4 + 1}", 2)
        d.add_paragraph(p)
    d.save(str(path))


def _html(title: str, paras: list[str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paras)
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title>"
            "<script>var tracker = 'x';</script><style>p{margin:0}</style></head><body>"
            "<div class='cookie-banner'>We use cookies. Accept all cookies?</div>"
            "<nav><a href='#main'>Skip to content</a> <a href='/'>Home</a></nav>"
            f"<main><h1>{html.escape(title)}</h1>\n{body}</main>"
            "<footer>Copyright BBC archive. All rights reserved.</footer></body></html>")


def make_folder(folder: Path, n: int) -> dict[str, list[str]]:
    """n stories in turn as PDF, Word, HTML, Markdown and text; name -> source sentences."""
    truth: dict[str, list[str]] = {}
    for i, (title, paras) in enumerate(_stories(n)):
        kind = i % 5
        name = f"story{i:03d}." + ("pdf", "docx", "html", "md", "txt")[kind]
        path = folder / name
        if kind == 0:
            _pdf(path, title, paras, columns=(i // 5) % 2 == 1)
        elif kind == 1:
            _docx(path, title, paras)
        elif kind == 2:
            path.write_text(_html(title, paras), encoding="utf-8")
        elif kind == 3:
            path.write_text(f"# {title}\n\n" + "\n\n".join(f"**{p[:1]}**{p[1:]}" for p in paras),
                            encoding="utf-8")
        else:
            path.write_text(title + "\n\n" + "\n\n".join(paras), encoding="utf-8")
        truth[name] = _sentences(paras)
    return truth


def _norm(text: str) -> str:
    return " ".join(text.split())


def _recall(text: str, sentences: list[str]) -> float:
    text = _norm(text)
    return sum(_norm(s) in text for s in sentences) / max(1, len(sentences))


def _qa_pdf(path: Path) -> tuple[str, int]:
    import pypdfium2

    from qa.ingest.loaders.pdf import PdfLoader

    data = path.read_bytes()
    pages = len(pypdfium2.PdfDocument(data))
    return PdfLoader().load(path, data).text, pages


def _pypdf(path: Path) -> tuple[str, int]:
    import pypdf

    reader = pypdf.PdfReader(path)
    return " ".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _qa_html(path: Path) -> str:
    from qa.ingest.loaders.html import HtmlLoader

    return HtmlLoader().load(path, path.read_bytes()).text


def _trafilatura(path: Path) -> str:
    import trafilatura

    return trafilatura.extract(path.read_text(encoding="utf-8"), include_tables=True) or ""


def _available(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def pdf_table(files: list[Path], truth: dict[str, list[str]]) -> list[str]:
    rows = [("| PDF reader | files | pages | pages/s | sentence recall (generated) | "
            "recall (tests/data) |"), "|---|---|---|---|---|---|"]
    fixed = {
        "report.pdf": [("Its international partners from Norway and Portugal attended the spring "
                       "meeting in the old customs house."), ("The breakwater repairs were "
                       "finished in September at a cost of four million euros, paid from the "
                       "maintenance reserve fund.")],
        "quays.pdf": ["Its cranes were built in Glasgow in 1961.",
                      "Its ice plant produces forty tonnes a day."],
    }
    data = ROOT / "tests" / "data" / "formats"
    readers: list[tuple[str, Callable[[Path], tuple[str, int]]]] = [
        ("qa (pypdfium2 + layout)", _qa_pdf)]
    if _available("pypdf"):
        readers.append(("pypdf extract_text", _pypdf))
    for name, read in readers:
        for f in files[:2]:  # warm up imports
            read(f)
        pages = 0
        start = time.perf_counter()
        recalls = []
        for f in files:
            text, n = read(f)
            pages += n
            if f.name in truth:
                recalls.append(_recall(text, truth[f.name]))
        seconds = time.perf_counter() - start
        fixed_recall = [_recall(read(data / n)[0], s) for n, s in fixed.items()]
        rows.append(f"| {name} | {len(files)} | {pages} | {pages / seconds:,.0f} | "
                    f"{sum(recalls) / max(1, len(recalls)):.1%} | "
                    f"{sum(fixed_recall) / len(fixed_recall):.0%} |")
    return rows


def html_table(files: list[Path], truth: dict[str, list[str]]) -> list[str]:
    rows = ["| HTML reader | pages | pages/s | sentence recall | pages leaking boilerplate |",
            "|---|---|---|---|---|"]
    readers: list[tuple[str, Callable[[Path], str]]] = [("qa (selectolax)", _qa_html)]
    if _available("trafilatura"):
        readers.append(("trafilatura", _trafilatura))
    for name, read in readers:
        read(files[0])
        start = time.perf_counter()
        texts = [read(f) for f in files]
        seconds = time.perf_counter() - start
        recall = [_recall(t, truth[f.name]) for f, t in zip(files, texts, strict=True)]
        leaks = sum(any(b in t for b in BOILER) for t in texts)
        rows.append(f"| {name} | {len(files)} | {len(files) / seconds:,.0f} | "
                    f"{sum(recall) / len(recall):.1%} | {leaks} |")
    return rows


def index_table(folder: Path, work: Path) -> list[str]:
    from qa import Bot

    os.environ["QA_CACHE"] = str(work / "cache")
    notes: list[str] = []
    bot = Bot(corpus=folder, store=work / "store", notify=notes.append)
    from qa.ingest import SkipFile, read_document

    rows = ["| index the mixed folder | files | sentences | seconds |", "|---|---|---|---|"]
    files = sorted(folder.iterdir())
    start = time.perf_counter()
    count = 0
    for f in files:  # reading alone: extraction (in the worker) and splitting, no cache
        try:
            count += len(read_document(f, 20 * 2**20).sentences)
        except SkipFile:
            pass
    rows.append(f"| read and split only (no embedding) | {len(files)} | {count:,} | "
                f"{time.perf_counter() - start:.2f} |")
    for label, rebuild in (("from nothing", False), ("again, nothing changed", False),
                           ("--rebuild (extraction cache)", True)):
        start = time.perf_counter()
        store = bot.reindex(rebuild=rebuild)
        seconds = time.perf_counter() - start
        files = len(store.documents) + len(store.skipped)
        rows.append(f"| {label} | {files} | {store.count:,} | {seconds:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=250, help="stories in the mixed folder")
    args = parser.parse_args()
    if not BBC.is_dir():
        print(f"skipped: {BBC} is not here (the BBC corpus of ../shared)")
        return
    for module in ("reportlab", "docx"):
        if not _available(module):
            print(f"skipped: {module} is needed to make the folder (pip install reportlab "
                  "python-docx)")
            return
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="qa-ingest-"))
    try:
        folder = work / "mixed"
        folder.mkdir()
        truth = make_folder(folder, args.files)
        pdfs = sorted(folder.glob("*.pdf")) + sorted((ROOT / "tests/data/formats").glob("*.pdf"))
        pdfs = [p for p in pdfs if p.name not in ("locked.pdf", "scanned.pdf", "damaged.pdf")]
        pdfs += [p for p in DEBIAN_PDFS if p.is_file()]
        print("\n".join(pdf_table(pdfs, truth)), end="\n\n")
        print("\n".join(html_table(sorted(folder.glob("*.html")), truth)), end="\n\n")
        print("\n".join(index_table(folder, work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
