"""`qa serve` as a new user meets it: a bad value or a setting it cannot use is one line on
stderr naming the flag, and exit 1, as for the other qa commands; nothing is served or built."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import qa.errors
from qa.config import load_settings
from qa.ui.cli import cli
from tests.serve_support import ROOT, make_corpus

PACKAGE = ROOT / "qa"


# --- one exception tree ------------------------------------------------------------------------


def test_every_qa_error_is_defined_in_qa_errors() -> None:
    """STYLE.md 7: one tree, one module. A class anywhere else in qa/ that subclasses one of
    qa.errors' classes belongs in qa/errors.py."""
    tree = {name for name, value in vars(qa.errors).items()
            if isinstance(value, type) and issubclass(value, qa.errors.QAError)}
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                         for b in node.bases}
                if bases & tree:
                    elsewhere.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not elsewhere, "error classes outside qa/errors.py: " + ", ".join(elsewhere)


def test_the_server_errors_are_still_importable_from_qa_serve() -> None:
    import qa.serve

    assert qa.serve.NotReadyError is qa.errors.NotReadyError
    assert qa.serve.ConversationsFullError is qa.errors.ConversationsFullError
    assert issubclass(qa.errors.NotReadyError, qa.errors.QAError)
    assert Path(qa.errors.__file__).name == "errors.py"


# --- bad values: one line naming the flag, exit 1 ----------------------------------------------


# Appended to every `qa ... serve` here: an address that is never this machine's, so that a
# value qa serve fails to refuse makes the bind fail (and the test with it) instead of serving
# on forever.
NOWHERE = ["--host", "192.0.2.1", "--token-env", "QA_SERVE_TEST_TOKEN"]  # TEST-NET-1


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_SERVE_TEST_TOKEN", "test-token-0123456789")


def _one_line(args: list[str], *words: str) -> str:
    """`qa ARGS` exits 1 with one line on its output that names `words`, no traceback."""
    result = CliRunner().invoke(cli, args + NOWHERE if "serve" in args else args)
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0], lines[0]
    assert "Usage:" not in result.output and "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("value, said", [
    ("abc", "Error: --port must be a whole number, got 'abc'"),
    ("99999", "Error: --port must be between 0 and 65535 (0: any free port), got 99999"),
    ("-1", "Error: --port must be between 0 and 65535 (0: any free port), got -1"),
])
def test_a_bad_port_is_one_line_and_exit_1(value: str, said: str) -> None:
    assert _one_line(["serve", "--port", value]) == said


@pytest.mark.parametrize("value", ["abc", "-1", "inf", "nan"])
def test_a_bad_rate_is_one_line_and_exit_1(value: str) -> None:
    _one_line(["serve", "--rate", value], "--rate must be", value)


def test_a_config_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    _one_line(["serve", "--config", str(tmp_path)],
              f"config file {tmp_path} is a folder - give --config a YAML file")


# --- the flags the user typed name the value ------------------------------------------------------


def test_a_missing_corpus_is_named_by_its_flag(tmp_path: Path) -> None:
    """As `qa -q ... --corpus /nope` says it, not "'corpus' in the options"."""
    missing = tmp_path / "nope"
    said = f"Error: --corpus names {missing}, which does not exist - fix the path"
    assert _one_line(["serve", "--corpus", str(missing)]) == said
    assert _one_line(["-q", "hi", "--corpus", str(missing)]) == said  # the one-shot's words


def test_options_given_before_serve_count(tmp_path: Path) -> None:
    """`qa --corpus DIR serve` and `qa -k N serve`, as for the other commands: checked and
    named by their flags, not ignored."""
    missing = tmp_path / "nope"
    _one_line(["--corpus", str(missing), "serve"], f"--corpus names {missing}")
    _one_line(["-k", "abc", "serve"], "-k must be a whole number, got 'abc'")


def test_qa_config_names_the_config_as_for_the_other_commands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.yaml"
    monkeypatch.setenv("QA_CONFIG", str(missing))
    said = _one_line(["serve"], f"config file {missing} does not exist", "$QA_CONFIG")
    assert _one_line(["-q", "hi"]) == said


# --- what the first build would refuse: before anything is served ---------------------------------


def _served(args: list[str], cwd: Path, lines: int = 1) -> str:
    """`qa serve --port 0 ARGS` run as a user runs it, in `cwd`: exit 1 with `lines` lines on
    stderr, the last one the error (returned). A process with a time limit, since these checks
    come after the port is taken: a server that starts instead of refusing fails the test
    (after 60 s) rather than hanging it."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    try:
        done = subprocess.run([sys.executable, "-m", "qa", "serve", "--port", "0", *args],
                              cwd=cwd, env={**os.environ, "PYTHONPATH": path},
                              capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"qa serve {' '.join(args)} served instead of refusing")
    assert done.returncode == 1, done.stderr
    said = done.stderr.strip().splitlines()
    assert len(said) == lines and not done.stdout, done.stderr
    assert "Traceback" not in done.stderr
    return said[-1]


def test_no_corpus_is_one_line_as_in_the_one_shot(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: the server started, then its build failed with "'corpus' in the options must be a
    path ..." and it answered 503 until stopped."""
    monkeypatch.chdir(tmp_path)  # no config.yaml here
    monkeypatch.delenv("QA_CONFIG", raising=False)
    said = _served([], tmp_path)
    assert said.startswith("Error: no corpus to answer from - pass --corpus FOLDER")
    assert _one_line(["-q", "hi"]) == said


def test_a_store_that_is_a_file_is_one_line_as_in_the_one_shot(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    store = tmp_path / "store.txt"
    store.write_text("not a store\n", encoding="utf-8")
    args = ["--corpus", str(corpus), "--store", str(store)]
    said = _served(args, tmp_path)
    assert said.startswith(f"Error: store {store} is a file, not a folder - choose a folder for "
                           "the store")
    assert _one_line(["-q", "hi", *args]) == said
    assert store.read_text(encoding="utf-8") == "not a store\n"


def test_a_folder_of_other_files_is_no_store_and_is_left_as_it_was(tmp_path: Path) -> None:
    """Was: `--store /etc` took /etc for a new store and wrote CURRENT, lock and gen-000001
    in it (the serve, index and one-shot commands alike)."""
    corpus = make_corpus(tmp_path / "corpus")
    store = tmp_path / "documents"
    store.mkdir()
    (store / "letter.txt").write_text("Dear Sam,\n", encoding="utf-8")
    args = ["--corpus", str(corpus), "--store", str(store)]
    said = _served(args, tmp_path)
    assert said == (f"Error: store {store} is a folder of other files, not one qa made - choose "
                    "a new or empty folder for the store (--store DIR, or store= in the library)")
    assert _one_line(["-q", "hi", *args]) == said
    assert _one_line(["index", *args]) == said
    assert sorted(p.name for p in store.iterdir()) == ["letter.txt"]


def test_a_new_folder_with_only_hidden_files_is_a_store(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    store.mkdir()
    (store / ".DS_Store").write_bytes(b"\0")
    result = CliRunner().invoke(cli, ["--corpus", str(corpus), "--store", str(store), "index"])
    assert result.exit_code == 0, result.output
    assert (store / "CURRENT").is_file()


def test_a_store_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    (tmp_path / "file").write_text("", encoding="utf-8")
    store = tmp_path / "file" / "store"
    said = _served(["--corpus", str(corpus), "--store", str(store)], tmp_path)
    assert said == (f"Error: store {store} cannot be created: {tmp_path / 'file'} is a file, not "
                    "a folder - choose a folder for the store, new or made by qa (--store DIR, or "
                    "store= in the library)")


def test_a_failed_build_is_said_once(tmp_path: Path) -> None:
    """What the build refuses is one notice ("re-index failed: ..."), and the same words in
    /api/ready's error. Was three lines: the child's, then "re-index failed: re-indexing
    failed: ..." with the same message."""
    from qa.serve import Service

    empty = tmp_path / "empty"
    empty.mkdir()
    notes: list[str] = []
    service = Service(load_settings(None, corpus=[str(empty)], store=str(tmp_path / "store")),
                      notify=notes.append)
    service.start()
    assert service.wait(120)
    error = service.status().error
    assert error.startswith(f"no sentences found in {empty} - add ")
    assert notes == [f"re-index failed: {error}"]


def test_a_corpus_with_nothing_to_read_stops_the_server(tmp_path: Path) -> None:
    """Only reading the corpus finds that it holds no sentence (a file qa does not read, an
    empty folder), which the server does after it started: the first build failing leaves
    nothing to serve, so it stops with the one-shot's error as its last line, and exit 1."""
    data = tmp_path / "data.bin"
    data.write_bytes(b"\x00\x01 not a document")
    args = ["--corpus", str(data), "--store", str(tmp_path / "store")]
    said = _served(args, tmp_path, lines=3)  # the address, the skipped file, the error
    assert said.startswith(f"Error: no sentences found in {data} - add .txt")
    one_shot = CliRunner().invoke(cli, ["-q", "hi", *args])
    assert one_shot.exit_code == 1 and one_shot.output.strip().splitlines()[-1] == said


@pytest.mark.slow  # builds a store, then re-indexes: ~18 s on two shared cores
def test_a_later_failed_build_keeps_the_store_in_use(tmp_path: Path) -> None:
    """Only the first build stops qa serve: once a store is served, a failed re-index is a
    notice and the old store goes on answering."""
    from qa.serve import Service

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text(
        (ROOT / "tests" / "data" / "harbour" / "portmill-harbour.txt").read_text("utf-8"),
        encoding="utf-8")
    notes: list[str] = []
    failures: list[str] = []
    service = Service(load_settings(None, corpus=[str(corpus)], store=str(tmp_path / "store")),
                      notify=notes.append, failed=failures.append)
    service.start()
    assert service.wait(300) and service.status().ready, service.status().error
    (corpus / "harbour.txt").unlink()  # nothing left to read
    assert service.reindex() and service.wait(300)
    status = service.status()
    assert status.ready and status.sentences > 0 and status.error.startswith("no sentences")
    assert failures == [] and notes[-1] == f"re-index failed: {status.error}"
