from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import CorpusError
from qa.ingest import (
    LOADERS,
    Corpus,
    Loaded,
    Loader,
    Location,
    decode,
    list_files,
    loader_for,
    read_document,
    split_document,
    split_sentences,
    title_of,
)
from qa.ingest.loaders import MarkdownLoader, TextLoader

from .conftest import SEEDS


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He was there “many, many times.” Then he left.",
         ["He was there “many, many times.”", "Then he left."]),
        ("“It is good,” he said. “We agree.”", ["“It is good,” he said.", "“We agree.”"]),
        ("Mr. Smith arrived at 9 a.m. on Monday. The U.S. Army came.",
         ["Mr. Smith arrived at 9 a.m. on Monday.", "The U.S. Army came."]),
        ("He lives in the U.S. The end.", ["He lives in the U.S.", "The end."]),
        ("NATO allies. (…) A strong Serbia.", ["NATO allies. (…)", "A strong Serbia."]),
        ("oppose half the world… It’s up to us,” Vucic said.",
         ["oppose half the world…", "It’s up to us,” Vucic said."]),
        ("According to him. NATO has more.", ["According to him.", "NATO has more."]),
        ("Prices rose 3.5% to $4.2bn. Why? Nobody knows!",
         ["Prices rose 3.5% to $4.2bn.", "Why?", "Nobody knows!"]),
        ("Dr. J. K. Rowling wrote it. Ms. Lee agreed.",
         ["Dr. J. K. Rowling wrote it.", "Ms. Lee agreed."]),
        ("“Wait...” she said. “Now.”", ["“Wait...” she said.", "“Now.”"]),
    ],
)
def test_splitter_handles_news_prose(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_offsets_round_trip_on_seed_article() -> None:
    path = next(SEEDS.glob("*.txt"))
    text = path.read_text(encoding="utf-8")
    found = list(split_document(text, str(path)))
    assert len(found) > 15
    for s in found:
        assert text[s.start : s.end] == s.text
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert any(s.text == "According to him." for s in found)


def test_passages_number_paragraphs() -> None:
    text = "First one. Second one.\n\nThird paragraph here.\r\n\r\nFourth."
    found = list(split_document(text, "x"))
    assert [(s.passage, s.text) for s in found] == [
        (0, "First one."), (0, "Second one."), (1, "Third paragraph here."), (2, "Fourth."),
    ]


def test_very_long_sentence_is_cut() -> None:
    text = "word " * 5000
    spans = split_sentences(text)
    assert len(spans) > 5
    assert all(b - a <= 600 for a, b in spans)


def test_title_from_first_line_or_name(tmp_path: Path) -> None:
    assert title_of("Sky takes over Oscar night\n\nThe BBC said.", tmp_path / "x.txt") == (
        "Sky takes over Oscar night")
    assert title_of("# Notes\nText.", tmp_path / "x.md") == "Notes"
    assert title_of("A sentence that ends.", tmp_path / "my-notes_file.txt") == "my notes file"


def test_list_files_recurses_and_filters(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text("Deep text.")
    (tmp_path / "top.txt").write_text("Top text.")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("Hidden.")
    notes: list[str] = []
    found = list_files([tmp_path], (".txt", ".md"), notes.append)
    assert [p.name for p in found] == ["deep.md", "top.txt"]
    assert notes == []


def test_list_files_reports_unsupported_file(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    notes: list[str] = []
    assert list_files([pdf], (".txt", ".md"), notes.append) == []
    assert len(notes) == 1 and "report.pdf" in notes[0]
    with pytest.raises(CorpusError, match="does not exist"):
        list_files([tmp_path / "missing"], (".txt",), notes.append)


def test_read_document_skips_bad_files(tmp_path: Path) -> None:
    from qa.ingest import SkipFile

    cases = {
        "empty.txt": b"",
        "binary.txt": b"%PDF-1.7\n\x00\x01\x02binary",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(SkipFile):
            read_document(tmp_path / name, 10_000)
    latin1 = tmp_path / "latin1.txt"  # issue 11: read, not skipped
    latin1.write_bytes("Un caf\xe9 cr\xe8me.".encode("latin-1"))
    assert read_document(latin1, 10_000).text == "Un caf\xe9 cr\xe8me."
    big = tmp_path / "big.txt"
    big.write_text("Big file. " * 200)
    with pytest.raises(SkipFile, match="limit"):
        read_document(big, 100)
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("Hello there. Second sentence.".encode("utf-16"))
    doc = read_document(utf16, 10_000)
    assert [s.text for s in doc.sentences] == ["Hello there.", "Second sentence."]


# --- loaders --------------------------------------------------------------------------------


def test_each_suffix_has_one_loader() -> None:
    suffixes = [s for loader in LOADERS for s in loader.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(s.startswith(".") and s == s.lower() for s in suffixes)
    assert isinstance(loader_for(Path("a.txt")), TextLoader)
    assert isinstance(loader_for(Path("a.MD")), MarkdownLoader)
    assert isinstance(loader_for(Path("notes.rst")), TextLoader)  # named in extensions: as text


def test_markdown_is_read_as_its_text_titled_by_its_heading(tmp_path: Path) -> None:
    source = "# Harbour notes\n\n- The ferry leaves at seven.\n- It returns at noon.\n"
    loaded = MarkdownLoader().load(tmp_path / "notes.md", source.encode())
    # Markup is blanked in place (issue 11): offsets stay those of the file.
    assert loaded.text == "  " + source[2:] and loaded.title == "Harbour notes"
    assert loaded.locations == {0: Location(headings=("Harbour notes",))}
    (tmp_path / "notes.md").write_text(source, encoding="utf-8")
    doc = read_document(tmp_path / "notes.md", 10_000)
    assert doc.title == "Harbour notes" and doc.text == loaded.text
    assert [s.text for s in doc.sentences] == [
        "Harbour notes", "The ferry leaves at seven.", "It returns at noon."]


def test_a_format_is_one_loader(tmp_path: Path) -> None:
    """A loader only has to say which suffixes it reads and turn bytes into Loaded."""

    class Shouting:
        suffixes = (".shout",)

        def load(self, path: Path, data: bytes) -> Loaded:
            text = decode(data).upper()
            return Loaded(text, path.stem, {0: Location(page=1)})

    loader: Loader = Shouting()
    loaded = loader.load(tmp_path / "x.shout", b"quiet words. more of them.")
    assert loaded.text == "QUIET WORDS. MORE OF THEM." and loaded.locations[0].page == 1
    assert [s.text for s in split_document(loaded.text, "x")] == ["QUIET WORDS.", "MORE OF THEM."]


def test_corpus_lists_and_reads_what_its_settings_say(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Alpha text here.")
    (tmp_path / "b.log").write_text("Beta log line.")
    corpus = Corpus.from_settings(Settings(corpus=(tmp_path,), extensions=(".txt", ".log")))
    notes: list[str] = []
    files = corpus.files(notes.append)
    assert [p.name for p in files] == ["a.txt", "b.log"] and notes == []
    assert [corpus.read(p).sentences[0].text for p in files] == ["Alpha text here.",
                                                                "Beta log line."]
