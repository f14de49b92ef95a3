"""Every input decoder has an error path: bytes that are not text are one line, never a traceback.

Question files and stdin (`--questions`, `qa eval`) are read line by line: UTF-8, or UTF-16 or
UTF-32 with a byte-order mark; a line that does not decode gets an error naming its number and
the other lines are answered (exit 1, as for other bad lines). A config file that is not text
is one line naming the line and the byte.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qa.text import Line, decode_lines
from qa.ui.cli import cli

from .conftest import ROOT, SEEDS

KNOWN_Q = "What did Vucic say about the future?"
KNOWN_A = "look into the future"


def lines(data: bytes) -> list[Line]:
    return list(decode_lines(io.BytesIO(data)))


def run(store: Path, *args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["--corpus", str(SEEDS), "--store", str(store), *args],
                              input=input)


# --- the decoder -------------------------------------------------------------------------------


def test_a_bad_line_is_named_and_the_others_are_read() -> None:
    got = lines(b"first\nwho sued \xff Russia?\r\n\nlast")
    assert [(g.number, g.text) for g in got] == [
        (1, "first"), (2, "who sued \\xff Russia?"), (3, ""), (4, "last")]
    assert [g.number for g in got if g.error] == [2]
    assert got[1].error.startswith("not valid UTF-8 (byte 0xff at column 10) - qa reads UTF-8")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le",
                                      "utf-32-be"])
def test_byte_order_marks_choose_the_encoding(encoding: str) -> None:
    text = "café?\r\n\u0a0a and \u2028 and 中\nlast"  # U+0A0A holds 0x0A bytes in UTF-16/32
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    got = lines(bom + text.encode(encoding))
    assert [(g.text, g.error) for g in got] == [
        ("café?", ""), ("\u0a0a and \u2028 and 中", ""), ("last", "")]


def test_cut_utf16_is_an_error_on_its_last_line() -> None:
    got = lines("one\ntwo".encode("utf-16")[:-1])
    assert [g.error == "" for g in got] == [True, False]
    assert got[1].error.startswith("not valid UTF-16")


def test_a_pipe_is_read_a_line_at_a_time() -> None:
    """The first question is answered before the writer has finished (or closed) the pipe."""
    read, write = os.pipe()
    with os.fdopen(read, "rb") as reader, os.fdopen(write, "wb") as writer:
        writer.write(b"hi\n")
        writer.flush()
        first: list[Line] = []
        thread = threading.Thread(target=lambda: first.append(next(decode_lines(reader))),
                                  daemon=True)
        thread.start()
        thread.join(timeout=10)
        assert first == [Line(1, "hi")]


def test_a_lone_cr_ends_a_line_as_lf_and_crlf_do() -> None:
    """Old Mac files and some terminals end lines with CR alone: each is its own question."""
    got = lines(b"who\rwhere\r\nwhen\nwhy\r")
    assert [(x.number, x.text) for x in got] == [(1, "who"), (2, "where"), (3, "when"),
                                                (4, "why")]
    wide = lines("a\rb\n".encode("utf-16"))
    assert [x.text for x in wide] == ["a", "b"]


# --- --questions and qa eval -------------------------------------------------------------------


def test_invalid_utf8_on_stdin_through_the_real_command(seed_store: Path) -> None:
    """Issue 16, finding 2: `printf 'who sued \\xff Russia?\\n' | qa --questions -`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "qa", "--corpus", str(SEEDS), "--store", str(seed_store),
         "--questions", "-"],
        input=b"who sued \xff Russia?\n" + KNOWN_Q.encode() + b"\n",
        capture_output=True, env=env, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(rows) == 2
    assert rows[0]["error"].startswith("line 1: not valid UTF-8 (byte 0xff at column 10)")
    assert rows[0]["question"] == "who sued \\xff Russia?" and rows[0]["hits"] == []
    assert KNOWN_A in rows[1]["hits"][0]["text"]
    assert done.stderr.decode().splitlines() == [f"qa: stdin, {rows[0]['error']}"]


def test_latin1_file_answers_the_lines_that_decode(seed_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_bytes(b"Qu\xe9 dijo Vucic?\n" + KNOWN_Q.encode() + b"\n\xe0 bient\xf4t\n")
    result = run(seed_store, "--questions", str(questions))
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("error", "")[:7] for r in rows] == ["line 1:", "", "line 3:"]
    assert KNOWN_A in rows[1]["hits"][0]["text"]
    err = result.stderr.splitlines()
    assert len(err) == 2 and err[0].startswith(f"qa: {questions}, line 1: not valid UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_question_file_with_a_byte_order_mark(seed_store: Path, tmp_path: Path,
                                              encoding: str) -> None:
    questions = tmp_path / "q.txt"
    questions.write_bytes(f"{KNOWN_Q}\r\n\r\n".encode(encoding))
    result = run(seed_store, "--questions", str(questions))
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["question"] == KNOWN_Q and KNOWN_A in row["hits"][0]["text"]


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "cannot read question file {p}: No such file or directory"),
    (lambda p: p.mkdir(), "cannot read question file {p}: Is a directory"),
])
def test_question_file_that_cannot_be_read(seed_store: Path, tmp_path: Path,
                                           make: Callable[[Path], object], message: str) -> None:
    path = tmp_path / "questions"
    make(path)
    result = run(seed_store, "--questions", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: " + message.format(p=path) + " - check the path given to --questions"]


def test_eval_file_that_is_not_utf8(seed_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b'{"q": "' + KNOWN_Q.encode() + b'", "gold": ["x"]}\n'
                          + b'{"q": "caf\xe9?", "gold": []}\n')
    result = run(seed_store, "eval", str(questions))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        (f"Error: {questions}, line 2: not valid UTF-8 (byte 0xe9 at column 11) - qa reads "
         "UTF-8, or UTF-16 with a byte-order mark")]


def test_eval_file_in_utf16(seed_store: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"q": KNOWN_Q, "gold": [KNOWN_A]}) + "\n", encoding="utf-16")
    result = run(seed_store, "eval", str(questions))
    assert result.exit_code == 0, result.output
    assert "| answered right     | 1/1 |" in result.stdout


# --- config files ------------------------------------------------------------------------------


SAVE = " - save the file as UTF-8"


@pytest.mark.parametrize("body, expected", [
    (b"k: 3\nmodel: caf\xe9\n",
     "cannot read config file {cfg}: line 2 is not UTF-8 text (byte 0xe9)" + SAVE),
    ("k: 3\n".encode("utf-16") + b"\x00\xd8",
     "cannot read config file {cfg}: line 2 is not UTF-16 text (byte 0x00)" + SAVE),
    (b"k: 3\nmodel: a\x00b\n",
     "{cfg}, line 2: control character \\x00 is not allowed in YAML - remove it"),
    (b"k: 3\n\nmodel: a\x1b[31mb\n",
     "{cfg}, line 3: control character \\x1b is not allowed in YAML - remove it"),
])
def test_config_that_is_not_text_is_one_line(tmp_path: Path, body: bytes, expected: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(body)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", "hi"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["Error: " + expected.format(cfg=cfg)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_config_with_a_byte_order_mark_is_read(seed_store: Path, tmp_path: Path,
                                               encoding: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(f"k: 1\ncorpus: {SEEDS}\nstore: {seed_store}\n".encode(encoding))
    result = CliRunner().invoke(cli, ["--config", str(cfg), "-q", KNOWN_Q, "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["hits"]) == 1
