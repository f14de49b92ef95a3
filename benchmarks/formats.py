"""Do answers survive the document format? The same BBC stories as office files and as .txt.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/formats.py            # prints the table
    PYTHONPATH=$PWD .venv/bin/python benchmarks/formats.py --show 5   # and 5 lost sentences
                                                                      # per format

The sample: every story a question of ../shared/eval/bbc_dev.jsonl or benchmarks/dev/
bbc_fit.jsonl is about, and every 50th other story (sorted by path), all five categories. In
sorted order the stories are written in turn as a reportlab PDF (single column, justified and
hyphenated, running header, "Page n of N" footer), a reportlab PDF with the title across the
page and two columns, a Word file printed to PDF by LibreOffice, a Word file (title, byline,
smart quotes, a heading, a bulleted list, a table, header and footer), a news-site web page (navigation, cookie
banner, sidebar, footer around an <article>), hard-wrapped Markdown with headings and a list,
and plain text (benchmarks/formats_make.py). The folder is kept in
benchmarks/.cache/formats-corpus/ and written only when missing. The reference is the same
sample as the original .txt files.

Figures per format:
- fidelity: the share of the reference's sentences (qa's own split of the .txt) found as a
  sentence of the formatted file (spaces normalised, curly quotes read as straight ones, as a
  reader would); "in a longer one" counts those found only inside a longer sentence (merged),
  "leaks" the formatted file's sentences holding header, footer, navigation or cookie text;
- answer parity: for every answerable question on the sample, whether qa's top answer is the
  same sentence on the mixed folder as on the .txt folder, and Hit@1 (the top answer holds a
  gold phrase) on each;
- cited: the share of answers from a file of that format that carry a page (PDF) or a section
  (the heading path: Word, HTML, Markdown); "page right": of the sentences of PDFs of two
  pages or more, the share whose cited page has their first three words in PDFium's text.
Needs ../shared (skips cleanly without it) and, to write the folder once, reportlab,
python-docx, pyphen and LibreOffice (skips cleanly without them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "corpora" / "bbc-news" / "news"
QUESTIONS = [ROOT.parent / "shared" / "eval" / "bbc_dev.jsonl",
             ROOT / "benchmarks" / "dev" / "bbc_fit.jsonl"]
CACHE = ROOT / "benchmarks" / ".cache" / "formats-corpus" / "v3"
KINDS = ("pdf", "pdf-2col", "pdf-lo", "docx", "html", "md", "txt")
LABELS = {"pdf": "PDF (reportlab)", "pdf-2col": "PDF, two columns", "pdf-lo": "PDF (LibreOffice)",
          "docx": "Word .docx", "html": "HTML page", "md": "Markdown", "txt": "text"}
SUFFIX = {"pdf": ".pdf", "pdf-2col": ".pdf", "pdf-lo": ".pdf", "docx": ".docx", "html": ".html",
          "md": ".md", "txt": ".txt"}
FILLER_EVERY = 50


@dataclass(frozen=True)
class Question:
    text: str
    gold: tuple[str, ...]
    doc: str  # category/name.txt


def norm(text: str) -> str:
    """A sentence as compared: spaces single, typographic quotes and dashes plain."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).split())


def questions() -> list[Question]:
    out = []
    for path in QUESTIONS:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("doc") and item.get("gold"):
                out.append(Question(item["q"], tuple(item["gold"]), item["doc"]))
    return out


def sample(asked: list[Question]) -> list[str]:
    """The stories: those asked about, and every FILLER_EVERY-th other one."""
    every = sorted(str(p.relative_to(BBC)) for p in BBC.rglob("*.txt"))
    wanted = {q.doc for q in asked}
    others = [n for n in every if n not in wanted]
    return sorted((wanted & set(every)) | set(others[::FILLER_EVERY]))


def kinds_of(names: list[str]) -> dict[str, str]:
    return {n: KINDS[i % len(KINDS)] for i, n in enumerate(names)}


def story(name: str) -> tuple[str, list[str]]:
    lines = [ln.strip() for ln in (BBC / name).read_text(encoding="utf-8").splitlines()]
    paras = [ln for ln in lines if ln]
    return paras[0], paras[1:]


def build_folders(names: list[str], kinds: dict[str, str]) -> tuple[Path, Path] | str:
    """The formatted and the reference folder, written when missing; a reason when they
    cannot be."""
    formatted, reference = CACHE / "formatted", CACHE / "reference"
    done = CACHE / "sample.txt"
    if done.is_file() and done.read_text(encoding="utf-8").split() == names:
        return formatted, reference
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import formats_make

    missing = formats_make.tools_missing()
    if missing:
        return f"{missing} is needed to write the folder"
    import shutil

    shutil.rmtree(CACHE, ignore_errors=True)
    started = time.time()
    stories = [(n, n.split("/")[0], *story(n)) for n in names]
    formats_make.write(formatted, stories, kinds)
    for n in names:
        (reference / n).parent.mkdir(parents=True, exist_ok=True)
        (reference / n).write_bytes((BBC / n).read_bytes())
    done.write_text("\n".join(names) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} stories to {CACHE} ({time.time() - started:.0f} s)",
          file=sys.stderr)
    return formatted, reference


def formatted_path(folder: Path, name: str, kind: str) -> Path:
    return (folder / name).with_suffix(SUFFIX[kind])


@dataclass
class Fidelity:
    files: int = 0
    sentences: int = 0
    found: int = 0
    merged: int = 0
    leaks: int = 0
    formatted_sentences: int = 0
    paged: int = 0  # sentences of PDFs of more than one page
    page_right: int = 0  # of those, citing a page whose own text has their first words


def _page_right(path: Path, doc: Any) -> tuple[int, int]:
    """(sentences, those whose cited page's text holds their first three words) of a PDF of
    more than one page; PDFium's plain text of each page, hyphens and spaces ignored."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path.read_bytes())
    flat = [re.sub(r"[\x02\xad-]|\s+", "", pdf[i].get_textpage().get_text_range())
            for i in range(len(pdf))]
    pdf.close()
    if len(flat) < 2:
        return 0, 0
    keys = sorted(doc.locations)
    right = 0
    for s in doc.sentences:
        page = doc.locations[max(k for k in keys if k <= s.start)].page
        right += re.sub(r"-|\s+", "", " ".join(s.text.split()[:3])) in flat[page - 1]
    return len(doc.sentences), right


def fidelity(names: list[str], kinds: dict[str, str], formatted: Path, reference: Path,
             show: int) -> dict[str, Fidelity]:
    from formats_make import BOILER

    from qa.ingest import SkipFile, read_document

    out: dict[str, Fidelity] = defaultdict(Fidelity)
    lost: dict[str, list[str]] = defaultdict(list)
    for name in names:
        kind = kinds[name]
        ref = [norm(s.text) for s in read_document(reference / name, 2**26).sentences]
        f = out[kind]
        try:
            doc = read_document(formatted_path(formatted, name, kind), 2**26)
        except SkipFile as exc:
            print(f"[{kind}] {name} skipped: {exc}", file=sys.stderr)
            doc = None
        got = [norm(s.text) for s in doc.sentences] if doc else []
        if doc and kind.startswith("pdf"):
            paged, right = _page_right(formatted_path(formatted, name, kind), doc)
            f.paged += paged
            f.page_right += right
        have = set(got)
        f.files += 1
        f.sentences += len(ref)
        f.formatted_sentences += len(got)
        f.leaks += sum(any(b in s for b in BOILER) for s in got)
        for s in ref:
            if s in have:
                f.found += 1
            elif any(s in g for g in got):
                f.merged += 1
                lost[kind].append(f"merged  {name}: {s[:100]}")
            else:
                lost[kind].append(f"lost    {name}: {s[:100]}")
    for kind in KINDS:
        for line in lost[kind][:show]:
            print(f"[{kind}] {line}", file=sys.stderr)
    return out


@dataclass
class Parity:
    questions: int = 0
    same: int = 0
    hit_formatted: int = 0
    hit_reference: int = 0
    hits: int = 0
    cited: int = 0


def parity(asked: list[Question], kinds: dict[str, str], formatted: Path, reference: Path,
           work: Path, reference_store: Path | None, show: bool = False) -> dict[str, Parity]:
    from qa import Bot
    from qa.ui.evaluate import contains_gold

    os.environ["QA_CACHE"] = str(work / "qa-cache")
    bots = {}
    for label, folder in (("formatted", formatted), ("reference", reference)):
        started = time.time()
        store = reference_store if label == "reference" and reference_store else work / label
        bot = Bot.from_config(ROOT / "config.yaml", corpus=[str(folder)], store=str(store),
                              notify=lambda _m: None)
        print(f"indexed {label}: {bot.store.count:,} sentences "
              f"({time.time() - started:.0f} s)", file=sys.stderr)
        bots[label] = bot
    suffix_kind = {".docx": "docx", ".html": "html", ".md": "md", ".txt": "txt"}
    out: dict[str, Parity] = defaultdict(Parity)
    for q in asked:
        top = {}
        for label, bot in bots.items():
            answer = bot.ask(q.text)
            top[label] = answer.hits[0] if answer.hits else None
            if label == "formatted":
                for hit in answer.hits:
                    # The story is the hit's file less its suffix: category/name.
                    story = "/".join(Path(hit.path or hit.source).with_suffix(".txt").parts[-2:])
                    kind = kinds.get(story) or suffix_kind.get(Path(hit.source).suffix, "txt")
                    out[kind].hits += 1
                    out[kind].cited += bool(hit.page if kind.startswith("pdf") else hit.section)
        p = out[kinds[q.doc]]
        p.questions += 1
        a, b = top["formatted"], top["reference"]
        same = (a is None and b is None) or (a is not None and b is not None
                                             and norm(a.text) == norm(b.text))
        p.same += same
        if show and not same:
            print(f"[{kinds[q.doc]}] {q.text}\n  format: {a.text if a else '(declined)'}\n"
                  f"  .txt:   {b.text if b else '(declined)'}", file=sys.stderr)
        p.hit_formatted += a is not None and contains_gold(a.text, q.gold)
        p.hit_reference += b is not None and contains_gold(b.text, q.gold)
    return out


def pct(n: int, d: int) -> str:
    return f"{n / d:.1%}" if d else "-"


def table(fid: dict[str, Fidelity], par: dict[str, Parity]) -> str:
    rows = [("| format | files | sentence fidelity | in a longer one | leaks | questions | "
             "same top answer | Hit@1 format / .txt | cited (page or section) | page right |"),
            "|---|---|---|---|---|---|---|---|---|---|"]
    total_f, total_p = Fidelity(), Parity()
    for kind in KINDS:
        f, p = fid[kind], par[kind]
        for t, s in ((total_f, f), (total_p, p)):
            for k, v in vars(s).items():
                setattr(t, k, getattr(t, k) + v)
        cited = "n/a" if kind == "txt" else pct(p.cited, p.hits)
        page = pct(f.page_right, f.paged) if kind.startswith("pdf") else "n/a"
        rows.append(f"| {LABELS[kind]} | {f.files} | {pct(f.found, f.sentences)} | "
                    f"{pct(f.merged, f.sentences)} | {f.leaks} | {p.questions} | "
                    f"{pct(p.same, p.questions)} | {pct(p.hit_formatted, p.questions)} / "
                    f"{pct(p.hit_reference, p.questions)} | {cited} | {page} |")
    f, p = total_f, total_p
    rows.append(f"| all | {f.files} | {pct(f.found, f.sentences)} | {pct(f.merged, f.sentences)}"
                f" | {f.leaks} | {p.questions} | {pct(p.same, p.questions)} | "
                f"{pct(p.hit_formatted, p.questions)} / {pct(p.hit_reference, p.questions)} | | "
                f"{pct(f.page_right, f.paged)} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0,
                        help="print this many lost sentences per format, and every answer "
                        "that differs from the .txt folder's (to stderr)")
    parser.add_argument("--no-answers", action="store_true",
                        help="sentence fidelity only (no indexing, seconds instead of minutes)")
    parser.add_argument("--reference-store", type=Path,
                        help="keep the .txt folder's store here and reuse it (to compare "
                        "versions of the readers: the .txt store does not depend on them)")
    args = parser.parse_args()
    if not BBC.is_dir() or not all(p.is_file() for p in QUESTIONS):
        print(f"skipped: {BBC} or the BBC question sets are not here (../shared)")
        return 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    asked = questions()
    names = sample(asked)
    asked = [q for q in asked if q.doc in set(names)]
    kinds = kinds_of(names)
    folders = build_folders(names, kinds)
    if isinstance(folders, str):
        print(f"skipped: {folders}")
        return 0
    formatted, reference = folders
    fid = fidelity(names, kinds, formatted, reference, args.show)
    with tempfile.TemporaryDirectory(prefix="qa-formats-") as tmp:
        par = ({} if args.no_answers
               else parity(asked, kinds, formatted, reference, Path(tmp),
                           args.reference_store, args.show > 0))
    print(f"{len(names)} BBC stories, {len(asked)} questions; "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")
    print(table(fid, defaultdict(Parity, par)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
