"""Bad corpus input: every bad file gets one clear line naming it, the good ones are still answered.

One messy corpus is indexed once (the real model, real texts) and each bad file is checked
against the notices that build produced; inputs that stop indexing altogether (missing path,
empty folder, only empty files) go through the CLI and must exit 1 with one line on stderr.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Bot, CorpusError
from qa.ingest import MAX_SENTENCE_CHARS, SkipFile, list_files, read_document
from qa.ui.cli import cli

from .conftest import SEEDS, SHARED

SEED = next(SEEDS.glob("*.txt"))
KSF_Q = "What did Stoltenberg say about the Kosovo Security Forces?"
KSF_A = "Kosovo Security Forces"
UTF16_FACT = "The harbour lighthouse at Sveti Ivan was painted bright green in 1911."
UTF16_Q = "what colour was the harbour lighthouse painted"
FERRY_FACT = "The ferry to the island of Vis leaves Split at seven o'clock every morning."
FERRY_Q = "when does the ferry to Vis leave"
EXTS = (".txt", ".md")
SHARED_NEWS = SHARED / "corpora/bbc-news/news/tech/casual-gaming-to-take-off.txt"
_OTHER_STORY = """Mobile gaming is taking off in India as handset prices fall and networks
grow, with developers building simple puzzle and cricket games for cheap phones and prepaid
customers who download them over slow connections in small towns and large cities alike"""


# The indexed corpus holds a line of 20,000 characters, four times the 5,000 that earn a notice
# (LONG_STRETCH_CHARS in qa/ingest/corpus.py): cut into about 35 pieces, it embeds in a second
# or two, where a 1,000,000-character line took two minutes. That line is still read and split
# (test_million_character_line_is_cut_into_sentences), just not embedded.
LONG_LINE = 20_000
MILLION = 1_000_000


def _long_line(n: int) -> str:
    """n characters of real words (from a news story on another subject), no sentence ending."""
    story = SHARED_NEWS.read_text(encoding="utf-8") if SHARED_NEWS.is_file() else _OTHER_STORY
    words = re.sub(r"[.!?…]", " ", story).split()
    average = sum(map(len, words)) / len(words) + 1
    line = " ".join(random.Random(5).choices(words, k=int(n / average * 1.2) + 10))[:n]
    assert len(line) == n
    return line[:-1] + "x" if line.endswith(" ") else line


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)  # no blocks written: instant, and reading it would take seconds


BAD_FILES = {
    # name: (what the notice must say, in lower case)
    "report-pdf.txt": "binary",
    "picture-png.txt": "binary",
    "huge.txt": "limit",
    "empty.txt": "empty",
    "blank.md": "empty",
    "pipe.txt": "not a regular file",
    "loop-a.txt": "symlink loop",  # loop-a.txt -> loop-b.txt -> loop-a.txt
    "loop-b.txt": "symlink loop",
    "loop": "symlink loop",
}


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], Bot, float]:
    """A corpus of two good files and every kind of bad one, indexed once."""
    root = tmp_path_factory.mktemp("messy")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "good.txt")
    (corpus / "utf16.txt").write_bytes(f"Harbour notes\n\n{UTF16_FACT}\n".encode("utf-16"))
    (corpus / "longline.txt").write_text(f"{FERRY_FACT}\n\n{_long_line(LONG_LINE)}\n",
                                         encoding="utf-8")
    (corpus / "report-pdf.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\nstream\n"
                                            + bytes(range(256)) * 4)
    (corpus / "picture-png.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
                                             + os.urandom(2000))
    # Read since issue 11 (its encoding is detected), so not among BAD_FILES.
    (corpus / "latin1.txt").write_bytes("Le café était fermé. Crème brûlée.".encode("latin-1"))
    _sparse(corpus / "huge.txt", 200 * 2**20)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.md").write_text("  \n\n\t\n", encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    os.symlink("loop-b.txt", corpus / "loop-a.txt")  # a.txt -> b.txt -> a.txt
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    os.symlink(".", corpus / "loop")  # a folder that contains itself
    messages: list[str] = []
    bot = Bot(corpus=corpus, store=root / "store", notify=messages.append)
    started = time.monotonic()
    bot.reindex()
    return corpus, messages, bot, time.monotonic() - started


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_gets_one_clear_line(messy: tuple[Path, list[str], Bot, float],
                                          name: str) -> None:
    _, messages, _, _ = messy
    about = [m for m in messages if f"/{name}:" in m]
    assert len(about) == 1, (name, messages)
    assert "\n" not in about[0]
    assert BAD_FILES[name] in about[0].lower(), about[0]


def test_no_other_notices(messy: tuple[Path, list[str], Bot, float]) -> None:
    _, messages, _, _ = messy
    named = [m for m in messages if any(f"/{n}:" in m for n in BAD_FILES)]
    others = [m for m in messages if m not in named]
    assert [m for m in others if "longline.txt" not in m] == []


def test_good_files_are_still_answered(messy: tuple[Path, list[str], Bot, float]) -> None:
    _, _, bot, _ = messy
    assert KSF_A in bot.ask(KSF_Q).hits[0].text
    indexed = sorted(Path(p).name for p, _, _ in bot.sources())
    assert indexed == ["good.txt", "latin1.txt", "longline.txt", "utf16.txt"]  # Latin-1: issue 11


def test_utf16_with_bom_is_read(messy: tuple[Path, list[str], Bot, float]) -> None:
    _, _, bot, _ = messy
    hit = bot.ask(UTF16_Q).hits[0]
    assert hit.text == UTF16_FACT
    assert Path(hit.source).name == "utf16.txt"


def test_200_mb_file_is_skipped_without_reading_it(messy: tuple[Path, list[str], Bot, float]
                                                   ) -> None:
    corpus, messages, _, _ = messy
    (note,) = [m for m in messages if "huge.txt" in m]
    assert "200.0 MB" in note and "max_file_mb" in note
    started = time.monotonic()
    with pytest.raises(SkipFile, match="limit"):
        read_document(corpus / "huge.txt", 20 * 2**20)
    assert time.monotonic() - started < 0.05  # a stat, not a 200 MB read


def test_long_line_is_cut_into_sentences(messy: tuple[Path, list[str], Bot, float]) -> None:
    corpus, messages, bot, _ = messy
    (note,) = [m for m in messages if "longline.txt" in m]
    assert f"{LONG_LINE:,}" in note and "no sentence ending" in note
    hit = bot.ask(FERRY_Q).hits[0]
    assert hit.text == FERRY_FACT
    doc = read_document(corpus / "longline.txt", 20 * 2**20)
    assert max(len(s.text) for s in doc.sentences) <= MAX_SENTENCE_CHARS
    assert all(doc.text[s.start:s.end] == s.text for s in doc.sentences)


def test_million_character_line_is_cut_into_sentences(tmp_path: Path) -> None:
    """Read and split only: embedding its 1,700 pieces is what the 20,000-character line
    stands in for in the indexed corpus."""
    path = tmp_path / "longline.txt"
    path.write_text(f"{FERRY_FACT}\n\n{_long_line(MILLION)}\n", encoding="utf-8")
    doc = read_document(path, 20 * 2**20)
    assert "1,000,000" in doc.note and "no sentence ending" in doc.note
    assert doc.sentences[0].text == FERRY_FACT
    assert max(len(s.text) for s in doc.sentences) <= MAX_SENTENCE_CHARS
    assert all(doc.text[s.start:s.end] == s.text for s in doc.sentences)
    pieces = "".join(s.text for s in doc.sentences[1:])
    assert pieces.replace(" ", "") == doc.text[len(FERRY_FACT):].replace(" ", "").strip()


def test_unchanged_messy_corpus_is_not_reindexed(messy: tuple[Path, list[str], Bot, float]
                                                 ) -> None:
    """Skipped files are remembered: a second run neither re-reads them nor warns again."""
    corpus, _, bot, _ = messy
    again: list[str] = []
    store = Bot(corpus=corpus, store=bot.settings.store, notify=again.append).reindex()
    assert store.directory == bot.store.directory
    assert store.meta["created"] == bot.store.meta["created"]
    assert again == []


def test_unsupported_file_type_named_on_the_command_line(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(SEED, good / "article.txt")
    scan = tmp_path / "scan.png"  # a PDF was unsupported before issue 11
    scan.write_bytes(b"\x89PNG\r\n" + bytes(range(256)))
    messages: list[str] = []
    bot = Bot(corpus=[good, scan], store=tmp_path / "store", notify=messages.append)
    assert KSF_A in bot.ask(KSF_Q).hits[0].text
    kinds = ".txt, .md, .markdown, .pdf, .docx, .html, .htm"
    assert messages == [f"skipped {scan}: not a {kinds} file"]


def test_fifo_named_on_the_command_line_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    messages: list[str] = []
    assert list_files([fifo], EXTS, messages.append) == []
    assert messages == [f"skipped {fifo}: not a regular file or folder"]


def test_long_sentences_of_prose_get_no_notice(tmp_path: Path) -> None:
    path = tmp_path / "legal.txt"
    clause = "the party of the first part, having regard to the terms set out above, "
    path.write_text("It is agreed that " + clause * 30 + "shall pay. Then it ends.\n")
    doc = read_document(path, 2**20)
    assert len(doc.sentences) > 3 and doc.note == ""


def test_file_deleted_between_listing_and_reading(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "article.txt")
    victim = corpus / "victim.txt"
    victim.write_text("This file is deleted after it was listed. Nobody reads it.\n")
    listed = list_files([corpus], EXTS, lambda _: None)
    assert victim.resolve() in listed
    victim.unlink()
    with pytest.raises(SkipFile, match="disappeared"):
        read_document(victim, 2**20)

    # The same race inside a whole index run: the notice for a file named after the folder is
    # given once the folder has been listed, and deletes a file that was listed.
    victim.write_text("This file is deleted after it was listed. Nobody reads it.\n")
    extra = tmp_path / "notes.doc"
    extra.write_bytes(b"old word file")
    messages: list[str] = []

    def notify(message: str) -> None:
        messages.append(message)
        if "notes.doc" in message and victim.exists():
            victim.unlink()

    bot = Bot(corpus=[corpus, extra], store=tmp_path / "store", notify=notify)
    assert KSF_A in bot.ask(KSF_Q).hits[0].text
    assert [m for m in messages if "victim.txt" in m] == [
        f"skipped {victim.resolve()}: file disappeared while indexing"]
    assert [Path(p).name for p, _, _ in bot.sources()] == ["article.txt"]


SETPRIV = shutil.which("setpriv")
NO_OVERRIDE = [SETPRIV or "setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None,
                    reason="needs root and setpriv to drop the right to read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    """chmod 000 does not stop root, so qa runs as root without CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH: the kernel then really refuses to read the file (EACCES)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "article.txt")
    secret = corpus / "secret.txt"
    secret.write_text("The vault code is 4711. Nobody may read this.\n")
    secret.chmod(0o000)
    result = subprocess.run(
        [*NO_OVERRIDE, sys.executable, "-m", "qa", "-q", KSF_Q, "--corpus", str(corpus),
         "--store", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert KSF_A in result.stdout
    lines = [line for line in result.stderr.splitlines() if "secret.txt" in line]
    assert lines == [f"qa: skipped {secret}: cannot read (Permission denied)"]
    assert "Traceback" not in result.stderr


# --- inputs that leave nothing to index: the CLI exits 1 with one line ----------------------


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_missing_corpus_path(tmp_path: Path) -> None:
    code, _, err = _run(["-q", "hello", "--corpus", str(tmp_path / "nowhere"),
                         "--store", str(tmp_path / "store")])
    assert code == 1
    line = _one_line(err)
    assert "nowhere" in line and "does not exist" in line


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = _run(["-q", "hello", "--corpus", str(tmp_path / "empty"),
                         "--store", str(tmp_path / "store")])
    assert code == 1
    line = _one_line(err)
    assert "no sentences found" in line and "empty" in line
    assert not (tmp_path / "store" / "CURRENT").exists()


def test_only_empty_files(tmp_path: Path) -> None:
    folder = tmp_path / "blank"
    folder.mkdir()
    for name in ("a.txt", "b.md"):
        (folder / name).write_text("\n \n" if name == "b.md" else "")
    code, _, err = _run(["-q", "hello", "--corpus", str(folder),
                         "--store", str(tmp_path / "store")])
    assert code == 1
    assert "no sentences found" in _one_line(err)
    lines = err.splitlines()
    assert f"qa: skipped {folder / 'a.txt'}: is empty (0 bytes)" in lines
    assert f"qa: skipped {folder / 'b.md'}: empty: no sentences" in lines


def test_a_file_of_0_bytes_is_empty_whatever_its_format(tmp_path: Path) -> None:
    # a 0-byte PDF was "damaged or not a PDF", a 0-byte .docx "not a Word file"
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "notes.txt").write_text("The quay is long and made of granite.\n")
    for name in ("a.pdf", "b.docx", "c.html"):
        (folder / name).write_bytes(b"")
    code, out, err = _run(["index", "--corpus", str(folder), "--store", str(tmp_path / "s")])
    assert code == 0, err
    for name in ("a.pdf", "b.docx", "c.html"):
        assert f"{name}: is empty (0 bytes)" in out, out


def test_a_file_name_with_escape_sequences_is_not_echoed_raw(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / "article.txt")
    (folder / "evil\x1b[2J\x07.txt").write_bytes(b"%PDF-1.4 \x00\x00")
    code, out, err = _run(["-q", KSF_Q, "--corpus", str(folder),
                           "--store", str(tmp_path / "store")])
    assert code == 0 and KSF_A in out
    assert "\x1b" not in err and "\x07" not in err
    assert "evil\\x1b[2J\\x07.txt" in err


def test_corpus_error_is_a_qa_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        list_files([tmp_path / "gone"], EXTS, lambda _: None)
