"""Names and text from outside never drive the terminal: every surface, checked on its bytes.

A corpus whose file names and sentences hold C0 and C1 controls, CSI and OSC sequences, bidi
overrides and isolates (and NULs, where a file system allows them: in document text) goes
through each way qa writes: one-shot text and --json, --questions, the chat (answers, :sources,
:history), `qa index` notices, `qa eval` and error lines. The bytes on stdout and stderr may
hold no such character raw; JSON must still give back the exact text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from qa import Answer, Bot, Hit
from qa.text import for_html, for_json, safe
from qa.ui.cli import cli
from qa.ui.render import (
    BOLD,
    CYAN,
    DIM,
    RED,
    RESET,
    UNDERLINE,
    format_answer,
    paint,
    terminal,
)
from qa.ui.repl import run_repl

from .conftest import ROOT

# The file name of issue 16, with a bidi override and a C1 CSI added.
NAME = "evil\n\x1b[31mRED\x1b[0m\x1b]0;pwned\x07\u202e\x9b.txt"
SHOWN_NAME = "evil\\n\\x1b[31mRED\\x1b[0m\\x1b]0;pwned\\x07\\u202e\\x9b.txt"
GIRAFFE = ("The giraffe index\x1b]0;pwned\x07 climbed \u202enine\u202c points today "
           "\x9b31m and \x1b[2J fell sharply.")
ZEBRA = "The zebra council met at noon to discuss the \u2066stripes\u2069 budget\u2028again."
QUESTION = "what did the giraffe index do?"

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def acting(data: bytes) -> list[str]:
    """Characters in `data` that act rather than print: controls but newline, bidi, U+2028/9."""
    text = data.decode("utf-8")  # strict: no raw bytes or lone surrogates either
    return sorted({ch for ch in text if ch != "\n" and (
        ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in BIDI or ch in "\u2028\u2029")})


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, store): a hostile name and text that index, plus files that only get notices."""
    corpus = tmp_path_factory.mktemp("hostile")
    (corpus / NAME).write_text(f"{GIRAFFE}\n\n{ZEBRA}\n", encoding="utf-8")
    (corpus / "empty\x1b]0;x\x07\u202e.txt").write_bytes(b"")
    (corpus / "nul\x1b[2J.txt").write_bytes(b"Text with a NUL\x00 is binary.\n")
    store = tmp_path_factory.mktemp("hostile-store")
    Bot(corpus=corpus, store=store, notify=lambda _: None).reindex()
    return corpus, store


def run(hostile: tuple[Path, Path], *args: str, input: bytes | None = None) -> Result:
    corpus, store = hostile
    return CliRunner().invoke(cli, ["--corpus", str(corpus), "--store", str(store), *args],
                              input=input)


def paste(text: str) -> str:
    """Keys that paste `text` into the chat and press Enter: pasted, escapes stay text."""
    return f"\x1b[200~{text}\x1b[201~\r"


def assert_clean(result: Result) -> None:
    assert acting(result.stdout_bytes) == [], result.stdout
    assert acting(result.stderr_bytes) == [], result.stderr
    assert b"Traceback" not in result.stdout_bytes + result.stderr_bytes


# --- the sanitiser -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw, shown", [
    ("bad\x1b[2Jname", "bad\\x1b[2Jname"),
    ("title\x1b]0;pwned\x07", "title\\x1b]0;pwned\\x07"),
    ("nul\x00 del\x7f c1\x85\x9b\x9d", "nul\\x00 del\\x7f c1\\x85\\x9b\\x9d"),
    ("two\nlines\r\ttab", "two\\nlines\\r\\ttab"),
    ("rlo\u202eexe.txt lri\u2066x\u2069", "rlo\\u202eexe.txt lri\\u2066x\\u2069"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("byte\udcff", "byte\\udcff"),  # a file name's undecodable byte
    ("café 中文 “quoted” – ok", "café 中文 “quoted” – ok"),
])
def test_safe_shows_every_acting_character(raw: str, shown: str) -> None:
    assert safe(raw) == shown
    assert acting(safe(raw).encode()) == []


def test_json_keeps_the_exact_text_with_no_acting_byte() -> None:
    text = NAME + GIRAFFE + ZEBRA + "\x00\x7f\x85\u2029\udcff"
    line = for_json({"text": text, "list": [text]})
    assert json.loads(line) == {"text": text, "list": [text]}
    assert acting(line.encode()) == [] and "\n" not in line
    assert "é中" in for_json("é中")  # ordinary non-ASCII stays readable


def test_html_escapes_markup_and_acting_characters() -> None:
    assert for_html('<a href="x">\u202e\x1b</a>') == (
        "&lt;a href=&quot;x&quot;&gt;\\u202e\\x1b&lt;/a&gt;")


def test_terminal_text_is_escaped_once_and_only_qa_styles_it() -> None:
    assert terminal("x\x1b[31m") == "x\\x1b[31m"
    assert terminal(terminal("x\x1b[31m")) == "x\\x1b[31m"
    assert paint("a\x1b]0;t\x07", RED, True) == f"{RED}a\\x1b]0;t\\x07{RESET}"


def test_every_field_of_an_answer_is_escaped_in_colour_and_plain() -> None:
    hit = Hit(GIRAFFE, 0.8, f"/docs/{NAME}", 0, len(GIRAFFE), 0, "Title\x1b]0;t\x07",
              (ZEBRA,), ("after\x1b[2J",), "Speaker\u202e\x1b[5m")
    answer = Answer("q\x1b[31m", (hit,), False, understood_as="giraffe\x1b]0;x\x07 index")
    for color in (False, True):
        text = format_answer(answer, color=color)
        for code in (BOLD, UNDERLINE, CYAN, DIM, RESET):
            text = text.replace(code, "")
        assert acting(text.encode()) == [], text
        assert SHOWN_NAME in text and "Speaker\\u202e\\x1b[5m said" in text
    assert acting(format_answer(Answer("q", (), True, "none\x1b[2J")).encode()) == []


# --- every surface of the command --------------------------------------------------------------


def test_one_shot_text(hostile: tuple[Path, Path]) -> None:
    result = run(hostile, "-q", QUESTION, "-k", "2")
    assert result.exit_code == 0, result.output
    assert_clean(result)
    assert SHOWN_NAME in result.stdout
    assert "The giraffe index\\x1b]0;pwned\\x07 climbed \\u202enine\\u202c" in result.stdout
    assert "\\u2066stripes\\u2069 budget\\u2028again." in result.stdout


def test_one_shot_json_is_exact_and_escaped(hostile: tuple[Path, Path]) -> None:
    corpus, _ = hostile
    result = run(hostile, "-q", QUESTION, "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    assert_clean(result)
    data = json.loads(result.stdout)
    top = data["hits"][0]
    assert top["text"] == GIRAFFE
    assert top["source"] == f"{corpus.name}/{NAME}"  # from the folder holding the corpus
    assert top["path"] == str(corpus / NAME)
    assert top["context_after"] == [ZEBRA]


def test_batch_of_hostile_questions(hostile: tuple[Path, Path]) -> None:
    questions = [QUESTION + "\x1b]0;t\x07", "\u202ewhat did the zebra council discuss?",
                 "\x1b[2J\x1b[H", "who\x00 met\x9b at noon?"]
    result = run(hostile, "--questions", "-", input="\n".join(questions).encode() + b"\n")
    assert result.exit_code == 1  # the line of escapes only is an empty question
    assert_clean(result)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4
    assert rows[0]["hits"][0]["text"] == GIRAFFE
    assert rows[1]["question"] == questions[1]
    assert rows[2]["error"].startswith("line 3: the question is empty")
    assert result.stderr.count("line 3") == 1


def test_chat_answers_sources_and_history(hostile: tuple[Path, Path],
                                          capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    corpus, store = hostile
    bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
    keys = "".join(paste(line) for line in (
        QUESTION, ":sources", ":history", ":k \x1b[2J", ":\x1b]0;t\x07",
        "and the zebra\u202e council?", ":quit"))
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(bot, session=session, color=False)  # writes with print, to stdout
    out = capsysbinary.readouterr().out
    assert acting(out) == [], out
    text = out.decode()
    assert f"{corpus.name}/{SHOWN_NAME}" in text  # :sources
    assert "(2 sentences)  evil\\n\\x1b[31mRED" in text  # its title, from the name
    assert "unknown command :\\x1b]0;t\\x07" in text


def test_chat_in_colour_styles_only_with_its_own_codes(hostile: tuple[Path, Path]) -> None:
    corpus, store = hostile
    bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
    out: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text("".join(paste(line) for line in (QUESTION, ":sources", ":no\x1b[5m", ":q")))
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(bot, session=session, write=out.append, color=True)
    text = "\n".join(out)
    for code in (BOLD, UNDERLINE, CYAN, DIM, RED, RESET):
        text = text.replace(code, "")
    assert acting(text.encode()) == [], text


def test_index_notices_name_files_safely(hostile: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, _ = hostile
    result = CliRunner().invoke(cli, ["index", "--corpus", str(corpus), "--store",
                                      str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert_clean(result)
    assert "empty\\x1b]0;x\\x07\\u202e.txt" in result.stderr
    assert "nul\\x1b[2J.txt: binary content" in result.stderr


@pytest.mark.parametrize("args, shown", [
    (["--corpus", "/no\x1b]0;t\x07where\u202e", "-q", "hi"], "/no\\x1b]0;t\\x07where\\u202e"),
    (["--questions", "/no\x1b[2Jfile\u2066", "--corpus", "."], "/no\\x1b[2Jfile\\u2066"),
    (["eval", "/no\x1b[2Jfile"], "question file /no\\x1b[2Jfile: No such file"),
])
def test_error_lines_escape_what_they_name(args: list[str], shown: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (1, 2), result.output
    assert_clean(result)
    assert shown in result.stderr


def test_config_values_echoed_in_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text('search: "\\e]0;pwned\\a\\u202e"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "hi"])
    assert result.exit_code == 1
    assert_clean(result)
    assert "'search' in config.yaml must be one of" in result.stderr


def test_eval_report_escapes_questions_and_sentences(hostile: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [{"q": QUESTION + "\x1b]0;t\x07\n", "gold": ["no such words"]}]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = run(hostile, "eval", str(questions))
    assert result.exit_code == 0, result.output
    assert_clean(result)
    assert "giraffe index do?\\x1b]0;t\\x07\\n -> rank >10: The giraffe index\\x1b]" in (
        result.stdout)


def test_real_command_of_issue_16(hostile: tuple[Path, Path]) -> None:
    """The reproduction of the issue, through `python -m qa` and a pipe, as `| od -c` saw it."""
    corpus, store = hostile
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)  # a pipe is not a terminal: no colour either way
    base = [sys.executable, "-m", "qa", "--corpus", str(corpus), "--store", str(store), "-k", "1",
            "-q", QUESTION]
    for args in (base, [*base, "--json"]):
        done = subprocess.run(args, capture_output=True, env=env, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        assert acting(done.stdout) == [] and acting(done.stderr) == []
    assert json.loads(done.stdout)["hits"][0]["path"] == str(corpus / NAME)


@pytest.mark.slow  # a fresh qa process that imports torch to build its store
def test_a_file_name_that_is_not_utf8_is_indexed_and_shown_escaped(tmp_path: Path) -> None:
    """A file name with an invalid UTF-8 byte used to end indexing in a tokenizer traceback:
    its title is now read with the byte replaced, and its path is shown escaped."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = os.fsdecode(b"ostrich\xff-report.txt")
    (corpus / name).write_text("The ostrich census counted forty birds this spring.\n",
                               encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "qa", "--corpus", str(corpus), "--store", str(tmp_path / "st"),
         "-k", "1", "-q", "how many ostriches were counted?"],
        capture_output=True, env={**os.environ, "NO_COLOR": "1"}, check=False)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert b"forty birds" in result.stdout
    assert b"\xff" not in result.stdout and b"\\udcff" in result.stdout
