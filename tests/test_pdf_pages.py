"""A PDF page's edges: its own first and last lines are text, its running header and footer
are not. The files are drawn here with reportlab, as a person's script draws them: each page
starts with one line, then a blank line, then the body, 53 pt from the top of A4 (inside the
band where headers sit), which once lost each page's first line without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Bot
from qa.ingest import read_document

OBSERVATORY = [
    ["The Hollow Hill Observatory Annual Report.",
     "The observatory telescope has a mirror 1.2 metres across.",
     "It was installed in 2009 by a team from Leiden."],
    ["Visitor numbers rose to 14,500 in the last year.",
     "The observatory director, Dr. Amara Okafor, plans a new planetarium dome.",
     "The dome will cost 2.4 million euros and open in 2027."],
    ["Cargo volumes through the valley rail depot rose by 12 percent.",
     "The depot is run by the county council.",
     "It employs forty people."]]


def _draw(path: Path, pages: list[list[str]], header: str | None = None,
          footer: str | None = None) -> None:
    """Each page: its first line at y = 780 (12 pt Helvetica), a blank line, the rest 16 pt
    apart; a header in 8 pt near the top edge and a footer centred at the foot, when given.
    No title is set, so the PDF says "untitled" (reportlab's default)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    for lines in pages:
        if header:
            c.setFont("Helvetica", 8)
            c.drawString(72, height - 34, header)
        c.setFont("Helvetica", 12)
        c.drawString(72, 780, lines[0])
        for i, line in enumerate(lines[1:]):
            c.drawString(72, 748 - 16 * i, line)
        if footer:
            c.drawCentredString(width / 2, 40, footer)
        c.showPage()
    c.save()


def _pages(path: Path) -> dict[str, int | None]:
    """Each sentence of the file -> the page the loader located it on."""
    doc = read_document(path, 2**20)
    keys = sorted(doc.locations)
    return {s.text: doc.locations[[k for k in keys if k <= s.start][-1]].page
            for s in doc.sentences}


@pytest.fixture(scope="module")
def observatory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("reportlab")
    folder = tmp_path_factory.mktemp("observatory")
    _draw(folder / "observatory.pdf", OBSERVATORY, footer="Annual report")
    return folder / "observatory.pdf"


def test_each_pages_first_line_set_apart_by_a_blank_line_is_kept_on_its_page(
        observatory: Path) -> None:
    pages = _pages(observatory)
    assert pages == {line: number for number, lines in enumerate(OBSERVATORY, 1)
                     for line in lines}  # every line, none more: the footer is gone


def test_a_pdf_without_a_title_is_titled_by_its_first_line(observatory: Path) -> None:
    assert read_document(observatory, 2**20).title == "The Hollow Hill Observatory Annual Report."


def test_a_running_header_and_a_one_page_files_header_are_still_dropped(tmp_path: Path) -> None:
    """The header repeats on every page of the first file; the second has one page, so only
    its place (small type near the edge, set apart) tells its header from text."""
    pytest.importorskip("reportlab")
    _draw(tmp_path / "three.pdf", OBSERVATORY, header="Hollow Hill Observatory - staff copy",
          footer="Annual report")
    _draw(tmp_path / "one.pdf", OBSERVATORY[:1], header="Hollow Hill Observatory - staff copy")
    assert list(_pages(tmp_path / "three.pdf")) == [ln for lines in OBSERVATORY for ln in lines]
    assert list(_pages(tmp_path / "one.pdf")) == OBSERVATORY[0]


def test_the_first_line_of_a_page_answers_and_cites_its_page(observatory: Path,
                                                            tmp_path: Path) -> None:
    bot = Bot(corpus=observatory.parent, store=tmp_path / "store", notify=lambda _: None)
    bot.reindex()
    for question, sentence, page in [
            ("How many visitors came to the observatory last year?",
             "Visitor numbers rose to 14,500 in the last year.", 2),
            ("By how much did cargo volumes rise at the rail depot?",
             "Cargo volumes through the valley rail depot rose by 12 percent.", 3)]:
        hits = bot.ask(question).hits
        assert (hits[0].text, hits[0].page) == (sentence, page)
