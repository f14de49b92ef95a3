"""A new user's first ten minutes (issue 12): qa from any folder, config lookup, pipes, the
status line, filters, and the small things, through the real `qa` command."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import Bot, QAError
from qa.ui.cli import cli
from qa.ui.repl import Chat

from .conftest import DATA, ROOT, SEEDS

QUESTION = "who did Vucic thank?"


def qa_env(**extra: str) -> dict[str, str]:
    """The environment of a real `qa` run: this checkout first, no config named, no colour."""
    env = {k: v for k, v in os.environ.items() if k != "QA_CONFIG"}
    env.update(PYTHONPATH=str(ROOT), NO_COLOR="1", HF_HUB_OFFLINE="1", **extra)
    return env


def qa(*args: str, cwd: Path, input: str | None = None, **env: str
       ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, input=input,
                          capture_output=True, text=True, env=qa_env(**env), timeout=300, check=False)


# --- runs from anywhere ----------------------------------------------------------------------


def test_without_config_or_corpus_one_line_says_how_to_give_one(tmp_path: Path) -> None:
    result = qa("-q", "hello", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--corpus" in lines[0] and "config.yaml" in lines[0]
    assert "seeds" not in result.stderr and result.stdout == ""


def test_corpus_elsewhere_stores_in_the_user_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    work = tmp_path / "work"
    work.mkdir()
    # the query model is made once per test session; share it so this run does not make it
    shared = Path(os.environ["QA_CACHE"]) / "query-models"
    cache.mkdir()
    if shared.is_dir():
        (cache / "query-models").symlink_to(shared)
    result = qa("-q", QUESTION, "--corpus", str(SEEDS), "--json", cwd=work, QA_CACHE=str(cache))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"][0]["source"] == (
        "seeds/nato-serbia-kosovo-security-forces.txt")
    assert list(work.iterdir()) == []  # nothing left in the folder qa ran in
    stores = list((cache / "stores").iterdir())
    assert len(stores) == 1 and stores[0].name.startswith("seeds-")


def test_flags_override_a_config_whose_corpus_is_gone(tmp_path: Path, seed_store: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.yaml").write_text("corpus: gone\nk: 2\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["-q", QUESTION, "--json", "--corpus", str(SEEDS),
                                      "--store", str(seed_store)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["hits"]) == 2  # k from ./config.yaml, corpus from flag
    again = CliRunner().invoke(cli, ["-q", QUESTION])
    assert again.exit_code == 1 and "'corpus' in config.yaml names" in again.output


def test_qa_config_names_the_config_file(tmp_path: Path, seed_store: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "elsewhere" / "qa.yaml"
    cfg.parent.mkdir()
    cfg.write_text(f"corpus: {SEEDS}\nstore: {seed_store}\nk: 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QA_CONFIG", str(cfg))
    result = CliRunner().invoke(cli, ["-q", QUESTION, "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["hits"]) == 1
    monkeypatch.setenv("QA_CONFIG", str(tmp_path / "none.yaml"))
    missing = CliRunner().invoke(cli, ["-q", QUESTION])
    assert missing.exit_code == 1 and "$QA_CONFIG" in missing.output


def test_readme_library_snippet_runs_outside_the_repo(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    library = readme.split("\n## Library\n", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", library, re.DOTALL)
    assert snippet is not None
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "lighthouse.txt").write_text(
        "The Greyhaven lighthouse was built in 1852 by Alan Stevenson.\n\n"
        "Its lamp was first lit in the spring of 1853.\n", encoding="utf-8")
    script = tmp_path / "snippet.py"
    script.write_text(snippet.group(1), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, env=qa_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "1852" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "snippet.py"]


# --- pipes -----------------------------------------------------------------------------------


def test_piped_lines_are_answered_as_json_lines(tmp_path: Path, seed_store: Path) -> None:
    result = qa("--json", "--corpus", str(SEEDS), "--store", str(seed_store), cwd=tmp_path,
                input=f"{QUESTION}\n\nWho wrote Hamlet?\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == [QUESTION, "Who wrote Hamlet?"]
    assert [r["abstained"] for r in rows] == [False, True]
    assert "Warning" not in result.stderr and "qa>" not in result.stdout


def test_piped_lines_in_text_and_one_question_from_stdin(tmp_path: Path,
                                                         seed_store: Path) -> None:
    where = ("--corpus", str(SEEDS), "--store", str(seed_store))
    text = qa(*where, cwd=tmp_path, input=f"{QUESTION}\n")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("1. ") and "I thanked Stoltenberg" in text.stdout
    assert "Input is not a terminal" not in text.stderr
    one = qa("-q", "-", "--json", *where, cwd=tmp_path, input=f"{QUESTION}\nignored\n")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["question"] == QUESTION  # one JSON object, not two lines


# --- feedback --------------------------------------------------------------------------------


def run_with_terminal_stderr(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run qa with stderr on a pseudo-terminal (as a person sees it) and stdout on a pipe."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # 120 columns
    proc = subprocess.Popen([sys.executable, "-m", "qa", *args], cwd=cwd, env=qa_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            err += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode() if proc.stdout else ""
    os.close(master)
    return proc.wait(timeout=60), out, err.decode(errors="replace")


def test_status_line_and_progress_on_the_terminal_never_on_stdout(tmp_path: Path) -> None:
    corpus = tmp_path / "news"
    corpus.mkdir()
    for source in (DATA / "news").iterdir():
        (corpus / source.name).write_bytes(source.read_bytes())
    store = tmp_path / "store"
    code, out, err = run_with_terminal_stderr(
        ["-q", "What did the harbour master say about the old tower?", "--json", "--corpus", str(corpus),
         "--store", str(store)], tmp_path)
    assert code == 0, err
    assert "loading the model…" in err
    assert re.search(r"Embedding.*sent/s, \d+/2 files", err), err  # rate and files
    assert json.loads(out)["hits"]  # stdout is the JSON alone
    assert "loading" not in out


# --- filters ---------------------------------------------------------------------------------


FERRY = """The island ferry timetable

The morning ferry leaves the harbour at nine o'clock.

The evening ferry leaves the harbour at six o'clock.

On Sundays the ferry leaves at noon, weather permitting.
"""
TRAIN = """The river crossing timetable

A small ferry crosses the river from the mill harbour in summer.

The river ferry leaves the mill harbour each hour.

In winter the river ferry does not leave the harbour at all.
"""


@pytest.fixture(scope="module")
def travel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus of two timetables that both answer "which ferry leaves?", and its store."""
    base = tmp_path_factory.mktemp("travel")
    corpus = base / "travel"
    (corpus / "rail").mkdir(parents=True)
    (corpus / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (corpus / "rail" / "train.txt").write_text(TRAIN, encoding="utf-8")
    Bot(corpus=corpus, store=base / "store", notify=lambda _: None).reindex()
    return corpus, base / "store"


QUESTION_LEAVE = "Which ferry leaves the harbour at nine?"


def test_within_answers_only_from_there(travel: tuple[Path, Path]) -> None:
    corpus, store = travel
    bot = Bot(corpus=corpus, store=store, notify=lambda _: None)
    everywhere = bot.ask(QUESTION_LEAVE, k=3)
    assert {h.source for h in everywhere.hits} == {"travel/ferry.txt"}
    # the best three are all ferry sentences: filtered after k, the train would get none
    for within in ("travel/rail", "travel/rail/train.txt", str(corpus / "rail")):
        inside = bot.ask(QUESTION_LEAVE, k=3, within=within)
        assert len(inside.hits) == 3, within
        assert {h.source for h in inside.hits} == {"travel/rail/train.txt"}
    whole = bot.ask(QUESTION_LEAVE, k=3, within=[str(corpus)])
    assert [h.text for h in whole.hits] == [h.text for h in everywhere.hits]


def test_in_flag_and_chat_command(travel: tuple[Path, Path]) -> None:
    corpus, store = travel
    where = ["--corpus", str(corpus), "--store", str(store)]
    result = CliRunner().invoke(cli, ["-q", QUESTION_LEAVE, "--json", "-k", "2",
                                      "--in", "travel/rail", *where])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert len(hits) == 2 and {h["source"] for h in hits} == {"travel/rail/train.txt"}
    bad = CliRunner().invoke(cli, ["-q", QUESTION_LEAVE, "--in", "nowhere.txt", *where])
    assert bad.exit_code == 1 and "nowhere.txt holds no document" in bad.output
    out: list[str] = []
    chat = Chat(Bot(corpus=corpus, store=store, notify=lambda _: None), out.append,
                color=False)
    chat.handle(":in travel/rail")
    chat.handle(QUESTION_LEAVE)
    assert "train.txt" in out[-1] and "ferry.txt" not in out[-1]
    chat.handle("more")
    assert "ferry.txt" not in out[-1]
    chat.handle(":in")
    chat.handle(QUESTION_LEAVE)
    assert "ferry.txt" in out[-1]
    with pytest.raises(QAError, match="holds no document"):
        chat.handle(":in nowhere")


# --- consistency and small things ------------------------------------------------------------


def test_source_and_paragraph_agree_between_cli_library_and_json(seed_store: Path) -> None:
    bot = Bot(corpus=SEEDS, store=seed_store, notify=lambda _: None)
    hit = bot.ask(QUESTION, k=1).hits[0]
    data = bot.ask(QUESTION, k=1).to_dict()["hits"][0]
    assert hit.source == data["source"] == "seeds/nato-serbia-kosovo-security-forces.txt"
    assert data["path"] == str(SEEDS / "nato-serbia-kosovo-security-forces.txt")
    assert data["paragraph"] == hit.passage + 1 and "passage" not in data
    text = CliRunner().invoke(cli, ["-q", QUESTION, "-k", "1", "--corpus", str(SEEDS),
                                    "--store", str(seed_store)]).output
    assert f"{hit.source}, paragraph {data['paragraph']}" in text


@pytest.mark.parametrize("word", ["quit", "exit", ":q", "Quit", ":exit"])
def test_quit_and_exit_leave_the_chat(seed_bot: Bot, word: str) -> None:
    assert Chat(seed_bot, [].append, color=False).handle(word) is False


def test_index_reports_files_and_plurals(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The first note says the boat leaves at nine.\n")
    (corpus / "b.txt").write_text("The second note says the boat returns at five.\n")
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02" * 400)
    args = ["index", "--corpus", str(corpus), "--store", str(tmp_path / "s")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "2 documents" in first.output and "(2 added, 0 changed, 0 removed, 1 skipped)" in (
        first.output)
    assert "  + docs/a.txt" in first.output and "  ! docs/bad.txt" in first.output
    (corpus / "a.txt").write_text("The first note now says the boat leaves at ten.\n")
    (corpus / "b.txt").unlink()
    second = CliRunner().invoke(cli, args)
    assert "1 document " in second.output
    assert "(0 added, 1 changed, 1 removed, 1 skipped)" in second.output
    assert "  ~ docs/a.txt" in second.output and "  - docs/b.txt" in second.output
    out: list[str] = []
    chat = Chat(Bot(corpus=corpus, store=tmp_path / "s", notify=lambda _: None), out.append,
                color=False)
    chat.handle(":reindex")
    lines = [str(line) for line in out]  # the summary first, the skipped file on its own line
    assert lines[0].startswith("1 sentence from 1 document in ")
    assert lines[-1] == "  ! docs/bad.txt: binary content, not text"


def test_titles_decode_html_entities(tmp_path: Path) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "price.txt").write_text("Ticket prices rise to &#163;5 &amp; more\n\n"
                                      "The ferry ticket now costs five pounds.\n")
    bot = Bot(corpus=corpus, store=tmp_path / "s", notify=lambda _: None)
    assert bot.sources()[0][1] == "Ticket prices rise to £5 & more"
