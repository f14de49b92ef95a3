"""Reading PDF, Word, HTML, Markdown and legacy-encoded text: real files made by real tools
(tests/data/make_data.py: reportlab, LibreOffice, python-docx, pikepdf), their sentences, pages
and sections, the files that are skipped and why, and answers citing page or section."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Bot, CorpusError
from qa.ingest import Corpus, SkipFile, read_document, summary
from qa.ingest.extracted import ExtractionCache
from qa.ingest.loaders import isolated
from qa.ingest.loaders.isolated import IsolatedLoader
from qa.ingest.loaders.markdown import MarkdownLoader
from qa.ingest.loaders.pdf import NO_TEXT
from qa.ui.cli import cli

FORMATS = Path(__file__).parent / "data" / "formats"


def _sentences(name: str) -> list[str]:
    return [s.text for s in read_document(FORMATS / name, 20 * 2**20).sentences]


def _where(name: str) -> dict[str, tuple[int | None, tuple[str, ...]]]:
    """Each sentence of a file -> (page, section), as the loader located it."""
    doc = read_document(FORMATS / name, 20 * 2**20)
    keys = sorted(doc.locations)
    out = {}
    for s in doc.sentences:
        at = [k for k in keys if k <= s.start]
        loc = doc.locations[at[-1]] if at else None
        out[s.text] = (loc.page, loc.headings) if loc else (None, ())
    return out


def test_pdf_joins_hyphen_breaks_and_wrapped_lines_and_drops_running_headers() -> None:
    sentences = _sentences("report.pdf")
    assert ("Its international partners from Norway and Portugal attended the spring meeting "
            "in the old customs house.") in sentences
    assert ("The breakwater repairs were finished in September at a cost of four million "
            "euros, paid from the maintenance reserve fund.") in sentences
    assert ("Dredging of the inner basin is planned for the spring of 2026, subject to an "
            "environmental assessment.") in sentences
    text = " ".join(sentences)
    assert "Annual Report 2025" not in text and "Page " not in text and "\n" not in text


def test_pdf_sentences_know_their_page() -> None:
    where = _where("report.pdf")
    assert where["The lighthouse keeper's cottage was leased to a marine research group from "
                 "the university for ten years."][0] == 3
    assert where["Passenger numbers on the island ferry rose to 212,000, the highest figure "
                 "since the service began in 1987."][0] == 2


def test_two_column_pdf_is_read_column_by_column() -> None:
    """quays.pdf draws its lines across the page, left then right: read in drawing order,
    the columns would interleave mid-sentence."""
    assert _sentences("quays.pdf") == [
        "The northern quay handles timber and grain.", "Its cranes were built in Glasgow in 1961.",
        "Ships wait at the northern quay for an average of six hours.",
        "The quay is closed on public holidays.",
        "The southern quay serves the fishing fleet.", "Its ice plant produces forty tonnes a day.",
        "The fish auction opens at five in the morning.", "Visitors may watch from the gallery."]


def test_newsletter_pdf_drops_headers_in_the_margin_and_keeps_compound_hyphens() -> None:
    """newsletter.pdf: no header line repeats (each names its page's topic), so only its place
    in the margin gives it away; a footer crossing the gutter does not hide the columns; a
    line-end hyphen is a compound's ("must-have") or a word break ("every-one"); a sentence
    runs on from the foot of the left column to the right one, whose first line starts with a
    capital and the next with a dash; page 2 has text in its left column only, whose lines
    must not each end a paragraph, and it starts by finishing page 1's last sentence."""
    assert _sentences("newsletter.pdf") == [
        "The harbour's new pilot boat",
        "The new pilot boat Gannet is a must-have for the harbour, says the pilot station.",
        "Its engines are interchangeable with those of the tug.",
        ("The crew trained for a fourth-quarter start in the winter with the Harbour Master and "
         "the two pilots - who took turns at the helm - on the darkest nights of the year."),
        "A new fuel store will open next to the ice plant in May.",
        ("The harbour master thanks everyone in the crew of the pilot boat Gannet who helped "
         "with the move."),
        "The office stays open on Sundays.",
        "The summer timetable for the year 2026 adds a late ferry on Fridays.",
        "Tickets are sold at the kiosk on Pier Road from seven in the morning.",
        "Fares will be held down, as the timetable's savings easily outweigh its costs."]
    where = _where("newsletter.pdf")
    assert where["Tickets are sold at the kiosk on Pier Road from seven in the morning."][0] == 2
    # The sentence across the page break cites the page it starts on, the next its own.
    assert where["The harbour master thanks everyone in the crew of the pilot boat Gannet who "
                 "helped with the move."][0] == 1
    assert where["The office stays open on Sundays."][0] == 2


def test_pdf_ligatures_read_as_letters() -> None:
    """ligatures.pdf is set with DejaVu's ligature glyphs mapped to U+FB01 and the like; PDFium
    gives them back as letters, so "final" finds the sentence (no mapping of our own needed)."""
    assert _sentences("ligatures.pdf") == [
        "The final flight of the season leaves the field at six.",
        "The ferry office staff will fill the flasks."]


RULES = ["Ferry rules", "Passengers must follow these rules on board.",
         "Bicycles travel free of charge.", "Dogs must be kept on a lead.",
         "Smoking is not allowed on the upper deck.", "Buy a ticket at the kiosk.",
         "Show it to the crew when boarding.",
         "The crew may refuse boarding to anyone who breaks them."]


def test_list_items_are_sentences_without_their_bullet_or_number(tmp_path: Path) -> None:
    """rules.pdf (Word lists printed by LibreOffice): its bullets are Symbol-font glyphs, which
    run the items into one sentence unless read as bullets, and "1." opens a numbered item
    without being a sentence of its own. The same list in Markdown reads the same."""
    assert _sentences("rules.pdf") == RULES
    md = tmp_path / "rules.md"
    md.write_text("# Ferry rules\n\nPassengers must follow these rules on board.\n\n"
                  "- Bicycles travel free of charge.\n- Dogs must be kept on a lead.\n"
                  "- Smoking is not allowed on the upper deck.\n\n1. Buy a ticket at the "
                  "kiosk.\n2. Show it to the crew when boarding.\n\nThe crew may refuse "
                  "boarding to anyone who breaks them.\n", encoding="utf-8")
    assert [s.text for s in read_document(md, 2**20).sentences] == RULES


def test_a_word_space_in_the_middle_of_a_title_is_no_gutter() -> None:
    """A centred title whose two runs meet mid-page (3 pt apart), over a story set in the left
    column only: one column (a split there read the header's right half, the title's second
    half and the page number as a column of their own)."""
    from qa.ingest.loaders.pdf import _columns, _Line

    runs = [_Line(57, 806, 193, 814, ""), _Line(426, 806, 539, 814, ""),
            _Line(160, 764, 297, 777, ""), _Line(300, 764, 436, 777, "")]
    runs += [_Line(62, 700 - 14 * i, 283, 709 - 14 * i, "") for i in range(8)]
    runs += [_Line(57, 26, 190, 34, ""), _Line(499, 26, 538, 34, "")]
    assert len(_columns(runs, 595.0)) == 1


def test_libreoffice_pdf_keeps_headings_apart_from_paragraphs() -> None:
    assert _sentences("pilots.pdf") == [
        "Pilot station handbook", "The pilot station is staffed around the clock by two pilots.",
        "Boarding", "Pilots board inbound ships two miles south of the breakwater light.",
        "Ships longer than ninety metres must take a pilot."]


@pytest.mark.parametrize(("name", "reason"), [
    ("locked.pdf", "is encrypted"),
    ("scanned.pdf", "has no text layer: scanned pages need OCR"),
    ("damaged.pdf", "is damaged or not a PDF"),
    ("notazip.docx", "is not a Word file (not a zip archive)"),
    ("bomb.docx", "inflates to 256 MB (a zip bomb?)"),
])
def test_bad_files_are_skipped_with_one_line_saying_why(name: str, reason: str) -> None:
    with pytest.raises(SkipFile, match=reason.replace("(", r"\(").replace(")", r"\)").replace(
            "?", r"\?")) as caught:
        read_document(FORMATS / name, 20 * 2**20)
    assert "\n" not in str(caught.value)


def test_docx_headings_are_sections_and_tables_are_read_row_by_row() -> None:
    where = _where("minutes.docx")
    assert where["The board approved the purchase of a second tug for the harbour."] == (
        None, ("Board minutes", "Decisions"))
    assert where["Tug; 2.1 million euros"] == (None, ("Board minutes", "Budget"))
    assert read_document(FORMATS / "minutes.docx", 2**20).title == "Board minutes"


def test_docx_footnotes_are_read_under_their_own_section() -> None:
    """tides.docx is LibreOffice's: its heading styles and footnotes as Word stores them."""
    where = _where("tides.docx")
    assert where["Spring tides flood the lower car park twice a year."] == (
        None, ("Tide tables", "Spring tides"))
    assert where["Measured by the harbour master over the winter of 2024."] == (
        None, ("Footnotes",))


def test_a_docx_text_box_is_read_once_and_apart_from_its_paragraph() -> None:
    """pullquote.docx (LibreOffice): a text box anchored in a paragraph is stored twice (the
    shape and its fallback picture); it is read once, as a paragraph after its anchor's."""
    assert _sentences("pullquote.docx") == [
        "Harbour news", "The new pilot boat arrived on Monday from the yard in Hull.",
        "Pull quote: a boat for the next forty years.", "It will enter service in June."]


def test_html_is_its_main_text_titled_with_entities_decoded() -> None:
    doc = read_document(FORMATS / "ferry.html", 2**20)
    assert doc.title == "Ferry timetable £ fares & times"
    texts = [s.text for s in doc.sentences]
    assert "A return ticket costs £7.50 for adults and £3 for children." in texts
    assert "Dogs must be kept on a lead." in texts
    for boilerplate in ("cookies", "Contact us", "free for everyone", "injected", "coach tours",
                        "Copyright", "font-family"):
        assert boilerplate not in doc.text
    assert _where("ferry.html")["From November to March the last ferry leaves the island at "
                                "18:15."] == (None, ("Island ferry timetable", "Winter service"))


def test_news_page_is_titled_by_its_headline_without_the_site_name() -> None:
    """dredging.html: <title> is "Headline | Site"; the text is the <article> alone, its share
    bar, the sidebar's headlines, navigation and cookie banner left out."""
    doc = read_document(FORMATS / "dredging.html", 2**20)
    assert doc.title == "Harbour closed for dredging"
    assert [s.text for s in doc.sentences] == [
        "Harbour closed for dredging",
        "The inner basin will close to shipping for three weeks from 2 June while it is dredged.",
        "Fishing boats will use the outer pontoons until the work is finished."]


def test_a_page_that_does_not_mark_its_story_is_read_from_its_densest_block() -> None:
    """lifeboat.html has only <div>s: its story is the block with the most paragraph text,
    under the page's <h1>; the masthead, the other headlines and the footer are left out."""
    doc = read_document(FORMATS / "lifeboat.html", 2**20)
    assert doc.title == "Lifeboat crew honoured"
    assert [s.text for s in doc.sentences] == [
        "Lifeboat crew honoured",
        "The crew of the harbour lifeboat received a medal for a rescue in the January storms.",
        ("They brought eleven fishermen ashore from a trawler that had lost its engine off the "
         "point."),
        "The medal was presented at the town hall by the mayor."]
    where = _where("lifeboat.html")
    assert where["They brought eleven fishermen ashore from a trawler that had lost its engine "
                 "off the point."] == (None, ("Lifeboat crew honoured",))


def test_markdown_headings_are_the_section_path_and_markup_is_not_text() -> None:
    source = (FORMATS / "handbook.md").read_text(encoding="utf-8")
    doc = read_document(FORMATS / "handbook.md", 2**20)
    assert len(doc.text) == len(source)  # offsets into the text are offsets into the file
    for s in doc.sentences:
        assert not any(mark in s.text for mark in ("**", "`", "](", "|", "#", "  "))
        assert s.text[0] == source[s.start] and s.text[-1] == source[s.end - 1]
    fire = next(s for s in doc.sentences if s.text.startswith("The fire assembly point"))
    assert fire.text == "The fire assembly point is the car park by the old customs house."
    assert source[fire.start:fire.end] == (
        "The fire assembly point is the car park by the [old customs house]"
        "(https://example.org/map).")
    assert "A defibrillator hangs beside the door of the pilot station." in [
        s.text for s in doc.sentences]
    where = _where("handbook.md")
    assert where[fire.text] == (None, ("Harbour handbook", "Safety", "Fire"))
    call = "Call the harbour office on channel 12 before entering the basin."
    assert where[call] == (None, ("Harbour handbook", "Radio"))


def test_markdown_without_headings_has_no_sections(tmp_path: Path) -> None:
    loaded = MarkdownLoader().load(tmp_path / "a.md", b"Just text. With **bold**.\n")
    assert loaded.locations == {} and loaded.text == "Just text. With   bold  .\n"


GUIDE = ("# Guide\n\n## Install\n\nRun the installer from the shared drive. It takes five "
         "minutes.\n\n## Tools\n\nThe hammer is kept in the blue box.\n")


@pytest.mark.parametrize(("question", "sentence", "before", "after"), [
    # the last sentence of "Install" showed the next section's heading as its context
    ("How long does the installer take?", "It takes five minutes.",
     ("Run the installer from the shared drive.",), ()),
    # the first showed its own heading, which the hit cites ("guide.md › Guide › Install")
    ("Where is the installer run from?", "Run the installer from the shared drive.",
     (), ("It takes five minutes.",)),
])
def test_context_stays_within_its_section_and_leaves_out_headings(
        tmp_path: Path, question: str, sentence: str, before: tuple[str, ...],
        after: tuple[str, ...]) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "guide.md").write_text(GUIDE, encoding="utf-8")
    bot = Bot(corpus=tmp_path / "c", store=tmp_path / "store", notify=lambda _: None)
    hit = bot.ask(question, k=1).hits[0]
    assert hit.text == sentence and hit.section == ("Guide", "Install")
    assert hit.before == before and hit.after == after


@pytest.mark.parametrize("name", ["notes.txt", "notes.md"])
def test_hard_wrapped_sentences_read_as_one_line(tmp_path: Path, name: str) -> None:
    # a sentence over three lines of a wrapped paragraph was shown with "\n" in it
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / name).write_text(
        "Team news\n\nAmor, who will captain England in this season's\nopening Sevens "
        "tournament in Dubai, which starts on\n  Thursday, was delighted with his award.\n"
        "The coach said the squad\nwas ready.\n", encoding="utf-8")
    runner = CliRunner()
    args = ["--corpus", str(tmp_path / "c"), "--store", str(tmp_path / "store")]
    result = runner.invoke(cli, [*args, "-q", "Who will captain England?", "-k", "1"])
    assert result.exit_code == 0, result.output
    sentence = ("Amor, who will captain England in this season's opening Sevens tournament in "
                "Dubai, which starts on Thursday, was delighted with his award.")
    assert sentence in result.output and "\\n" not in result.output
    hit = Bot(corpus=tmp_path / "c", store=tmp_path / "store").ask(
        "Who will captain England?", k=1).hits[0]
    assert hit.text == sentence and hit.after == ("The coach said the squad was ready.",)


@pytest.mark.parametrize(("name", "sentence"), [
    ("cafe-cp1252.txt", ("The café on the pier sells crème brûlée for €4 – the “best in town”, "
                        "says the owner.")),
    ("office-latin1.txt", "The harbour office at the Straße am Kai opens at eight o'clock."),
])
def test_legacy_encodings_are_detected(name: str, sentence: str) -> None:
    assert sentence in _sentences(name)


def test_binary_that_is_no_text_is_still_skipped(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(SkipFile, match="binary content|no other encoding"):
        read_document(path, 2**20)


def test_extraction_is_kept_by_content_hash(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.pdf"
    shutil.copy(FORMATS / "report.pdf", copy)
    first = read_document(copy, 2**20, cache=tmp_path / "cache")
    kept = ExtractionCache(tmp_path / "cache").get(copy.read_bytes(), "PdfLoader")
    assert kept is not None and kept.text == first.text and kept.locations == first.locations
    again = read_document(FORMATS / "report.pdf", 2**20, cache=tmp_path / "cache")
    assert again.text == first.text


def test_a_reader_stuck_on_a_file_is_stopped(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolated, "EXTRACT_SECONDS", 1.0)
    stuck = IsolatedLoader("tests.stuck_loader", "Stuck", (".stuck",), "stuck")
    with pytest.raises(SkipFile, match="took over 1 s to read"):
        stuck.load(tmp_path / "a.stuck", b"x")
    loaded = IsolatedLoader("qa.ingest.loaders.pdf", "PdfLoader", (".pdf",), "PDF").load(
        FORMATS / "quays.pdf", (FORMATS / "quays.pdf").read_bytes())  # a new worker serves
    assert loaded.text.startswith("The northern quay")


def test_summary_counts_each_kind() -> None:
    assert summary(["a.pdf", "b.pdf", "c.md", "d.txt"], ["e.docx", "f.pdf"]) == (
        "read 1 Markdown, 2 PDF, 1 text; skipped 1 PDF, 1 Word")


@pytest.fixture(scope="module")
def formats_bot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Bot, list[str]]:
    notes: list[str] = []
    bot = Bot(corpus=FORMATS, store=tmp_path_factory.mktemp("formats-store"),
              notify=notes.append)
    bot.reindex()
    return bot, notes


def test_qa_index_lists_what_was_read_and_skipped(formats_bot: tuple[Bot, list[str]]) -> None:
    store = formats_bot[0].retriever.store.directory
    result = CliRunner().invoke(cli, ["index", "--corpus", str(FORMATS), "--store", str(store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "read 3 HTML, 1 Markdown, 6 PDF, 3 Word, 2 text; skipped 3 PDF, 2 Word"
    assert f"  ! formats/scanned.pdf: {NO_TEXT}" in lines


def test_a_folder_with_nothing_readable_names_its_files(tmp_path: Path) -> None:
    for name in ("locked.pdf", "notazip.docx"):
        shutil.copy(FORMATS / name, tmp_path / name)
    with pytest.raises(CorpusError, match=r"every file was skipped \(locked.pdf is encrypted"):
        Bot(corpus=tmp_path, store=tmp_path / "store", notify=lambda _: None).reindex()


def test_indexing_a_mixed_folder_names_each_skipped_file(
        formats_bot: tuple[Bot, list[str]]) -> None:
    bot, notes = formats_bot
    skipped = sorted(Path(p).name for p in bot.retriever.store.skipped)
    assert skipped == ["bomb.docx", "damaged.pdf", "locked.pdf", "notazip.docx", "scanned.pdf"]
    assert sum(n.startswith("skipped ") for n in notes) == 5


@pytest.mark.parametrize(("question", "sentence", "source", "page", "section"), [
    ("How many passengers did the island ferry carry?",
     ("Passenger numbers on the island ferry rose to 212,000, the highest figure since the "
     "service began in 1987."), "report.pdf", 2, []),
    ("What does the ice plant produce?", "Its ice plant produces forty tonnes a day.",
     "quays.pdf", 1, []),
    ("What did the board approve?",
     "The board approved the purchase of a second tug for the harbour.", "minutes.docx", None,
     ["Board minutes", "Decisions"]),
    ("How much is a return ticket?",
     "A return ticket costs £7.50 for adults and £3 for children.", "ferry.html", None,
     ["Island ferry timetable"]),
    ("Where must life jackets be worn?",
     "Life jackets must be worn on the pontoons at all times.", "handbook.md", None,
     ["Harbour handbook", "Safety"]),
    ("Where do pilots board inbound ships?",
     "Pilots board inbound ships two miles south of the breakwater light.", "pilots.pdf", 1, []),
    ("What does the café on the pier sell?",
     "The café on the pier sells crème brûlée for €4 – the “best in town”, says the owner.",
     "cafe-cp1252.txt", None, []),
])
def test_questions_about_each_format_cite_page_or_section(
        formats_bot: tuple[Bot, list[str]], question: str, sentence: str, source: str,
        page: int | None, section: list[str]) -> None:
    top = formats_bot[0].ask(question).to_dict()["hits"][0]
    assert (top["text"], Path(top["source"]).name) == (sentence, source)
    assert (top["page"], top["section"]) == (page, section)


def test_corpus_default_reads_every_supported_type() -> None:
    from qa.config import Settings

    assert {".txt", ".md", ".pdf", ".docx", ".html"} <= set(Settings().extensions)
    assert Corpus.from_settings(Settings()).cache is not None


def test_a_50_mb_web_page_is_skipped_and_the_rest_indexed(tmp_path: Path) -> None:
    """Issue 11's hostile HTML: one line naming the size limit, the rest of the folder read."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "note.txt").write_text("The lighthouse keeper paints the railings every April.\n")
    row = b"<p>" + b"filler words in a very long page " * 30 + b"</p>\n"
    with open(corpus / "huge.html", "wb") as out:
        out.write(b"<html><head><title>Huge</title></head><body>")
        for _ in range(50 * 2**20 // len(row) + 1):
            out.write(row)
        out.write(b"</body></html>")
    notes: list[str] = []
    bot = Bot(corpus=corpus, store=tmp_path / "store", notify=notes.append)
    answer = bot.ask("When are the railings painted?")
    assert answer.hits[0].text.startswith("The lighthouse keeper paints")
    skipped = bot.retriever.store.skipped
    assert [Path(p).name for p in skipped] == ["huge.html"]
    assert "limit (max_file_mb)" in next(iter(skipped.values()))["reason"]
    assert any("huge.html" in n and "max_file_mb" in n for n in notes)


def test_a_file_changed_after_indexing_is_read_again(tmp_path: Path) -> None:
    """A file is read once into memory and hashed from those bytes, so what is indexed is one
    version of it; when it changes (during or after a run) the next sync reads it again."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    page = corpus / "ferry.html"
    rest = "Tickets cost four pounds. The island has a small harbour."
    page.write_text(f"<html><title>Ferry</title><body><p>The ferry leaves at nine. {rest}</p>")
    bot = Bot(corpus=corpus, store=tmp_path / "store", notify=lambda _: None)
    assert "nine" in bot.ask("When does the ferry leave?").hits[0].text
    page.write_text(f"<html><title>Ferry</title><body><p>The ferry now leaves at ten. {rest}</p>")
    bot.reindex()
    assert "ten" in bot.ask("When does the ferry leave?").hits[0].text
