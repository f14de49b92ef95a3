from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.ui.cli import cli

from .conftest import SEEDS


@pytest.fixture
def run(seed_store: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--corpus", str(SEEDS), "--store", str(seed_store), *args],
                             input=input)

    return invoke


def test_one_shot_prints_sourced_answer(run) -> None:  # type: ignore[no-untyped-def]
    result = run("-q", "Which holy places are mentioned?")
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if not line.startswith("Not sure"))
    assert "our holy places" in first  # as an answer or as a marked guess (issue 17)
    assert "nato-serbia-kosovo-security-forces.txt" in result.output
    assert "paragraph" in result.output


def test_json_schema(run) -> None:  # type: ignore[no-untyped-def]
    result = run("-q", "What is Serbia helping NATO with?", "--json", "-k", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == "What is Serbia helping NATO with?"
    assert data["abstained"] is False
    assert len(data["hits"]) == 2
    hit = data["hits"][0]
    assert {"text", "score", "source", "start", "end", "speaker"} <= set(hit)
    text = (SEEDS / Path(hit["source"]).name).read_text(encoding="utf-8")
    assert text[hit["start"] : hit["end"]] == hit["text"]
    assert isinstance(hit["score"], float)


def test_abstains_with_exit_zero(run) -> None:  # type: ignore[no-untyped-def]
    result = run("-q", "Who wrote Hamlet?", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["abstained"] is True and data["hits"] == []
    plain = run("-q", "Who wrote Hamlet?")
    assert "couldn't find that in the 1 document" in plain.output


def test_batch_from_stdin_prints_json_lines(run) -> None:  # type: ignore[no-untyped-def]
    result = run("--questions", "-", input="Which holy places are mentioned?\n\nWho wrote Hamlet?\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["question"] for d in lines] == ["Which holy places are mentioned?", "Who wrote Hamlet?"]
    assert [d["abstained"] for d in lines] == [False, True]


def test_batch_from_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    questions = tmp_path / "q.txt"
    questions.write_text("What did Vucic say about the future?\n")
    result = run("--questions", str(questions), "--json")
    assert result.exit_code == 0
    assert "look into the future" in json.loads(result.output)["hits"][0]["text"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-q", "   "], "the question is empty"),
        (["--config", "/nonexistent.yaml", "-q", "hi"], "does not exist"),
        (["--corpus", "/nonexistent/folder", "-q", "hi"], "does not exist"),
        (["-k", "0", "-q", "hi"], "-k must be between 1 and 100, got 0"),
        (["-k", "abc", "-q", "hi"], "-k must be a whole number, got 'abc'"),
    ],
)
def test_user_errors_exit_one_with_one_line(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_usage_error_exits_two(run) -> None:  # type: ignore[no-untyped-def]
    assert run("--no-such-flag").exit_code == 2
    assert run("-q", "a", "--questions", "-").exit_code == 2


def test_index_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["index", "--corpus", str(SEEDS), "--store",
                                      str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "sentences from 1 document" in result.output


def test_help_lists_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Exit codes" in result.output and "--questions" in result.output


def test_index_summary_counts_and_lists_every_skipped_file(tmp_path: Path) -> None:
    """A FIFO, a broken link, a link out of the corpus and a link loop are skipped when listing:
    the summary counts and names them too, on the first run and on a run with nothing to do."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "seed.txt").write_text((SEEDS / "nato-serbia-kosovo-security-forces.txt")
                                     .read_text(encoding="utf-8"), encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("The secret is kept outside the corpus.\n")
    (corpus / "leak.txt").symlink_to(outside)
    (corpus / "loop").symlink_to(".")  # a folder: listed, but not counted as a kind of file
    args = ["index", "--corpus", str(corpus), "--store", str(tmp_path / "s")]
    for _ in range(2):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "4 skipped)" in result.output
        marked = [line for line in result.stdout.splitlines() if line.startswith("  ! ")]
        assert [line.split(":")[0] for line in marked] == [
            "  ! c/dangling.txt", "  ! c/leak.txt", "  ! c/loop", "  ! c/pipe.txt"]
        assert "read 1 text; skipped 3 text\n" in result.output


def test_index_rebuild_says_it_rebuilt(tmp_path: Path) -> None:
    args = ["index", "--corpus", str(SEEDS), "--store", str(tmp_path / "s")]
    assert CliRunner().invoke(cli, args).exit_code == 0
    result = CliRunner().invoke(cli, [*args, "--rebuild"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"rebuilt {tmp_path / 's'}: every file read and embedded again")
    assert "holds 23 sentences from 1 document" in first


def test_piped_chat_commands_are_no_questions(run) -> None:  # type: ignore[no-untyped-def]
    """:help is skipped with one line on stderr, :new is no question, /quit stops reading."""
    piped = "Which holy places are mentioned?\n:help\n:new\n/sources\n/quit\nWho wrote Hamlet?\n"
    result = run("--json", input=piped)
    assert result.exit_code == 0, result.output
    asked = [json.loads(line)["question"] for line in result.stdout.splitlines()]
    assert asked == ["Which holy places are mentioned?"]
    why = "chat commands work only in the chat (qa with no question and no pipe)"
    assert result.stderr.splitlines() == [f"qa: stdin, line 2: skipped :help - {why}",
                                          f"qa: stdin, line 4: skipped /sources - {why}"]


def test_batch_conversation_new_forgets_earlier_questions(run) -> None:  # type: ignore[no-untyped-def]
    turns = "Which holy places are mentioned?\nWho said it?\n:new\nWho said it?\nexit\nWho?\n"
    result = run("--questions", "-", "--conversation", input=turns)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == ["Which holy places are mentioned?",
                                              "Who said it?", "Who said it?"]
    assert lines[1]["understood_as"] != "Who said it?"  # a follow-up of the first
    assert lines[2]["understood_as"] == "Who said it?"  # :new: nothing to follow
    assert result.stderr == ""


def test_a_pipe_of_turns_is_one_conversation_with_the_flag(run) -> None:  # type: ignore[no-untyped-def]
    """`... | qa --conversation` reads its lines as turns (it was refused: "--conversation needs
    --questions FILE"); text out, as any pipe, each answer with how it was understood."""
    turns = "Which holy places are mentioned?\nWho said it?\n:new\nWho said it?\n"
    result = run("--conversation", input=turns)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("(understood as: Who said it?)") == 0
    understood = [line for line in result.stdout.splitlines() if "understood as" in line]
    assert len(understood) == 1 and "Who said it?" not in understood[0]  # the second turn only
    as_json = run("--conversation", "--json", input=turns)
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [d["understood_as"] != d["question"] for d in lines] == [False, True, False]


@pytest.mark.parametrize("args, message", [
    (["-q", ""], "Error: the question is empty - give a question in words\n"),
    (["--in", "mixed/nothere.txt", "-q", "who?"],
     ("Error: mixed/nothere.txt holds no document of the corpus - give a file or folder inside "
      "it, as answers name their sources (e.g. seeds/nato-serbia-kosovo-security-forces.txt)\n")),
])
def test_errors_outside_the_chat_name_no_chat_command(run, args: list[str], message: str
                                                      ) -> None:  # type: ignore[no-untyped-def]
    """These messages reach one-shot, pipes, the library and the HTTP API: no ":help" there."""
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr == message


def test_one_shot_chat_command_is_one_line_not_an_answer(run) -> None:  # type: ignore[no-untyped-def]
    result = run("-q", ":help")
    said = ("Error: :help is a chat command - chat commands work only in the chat (qa with no "
            "question and no pipe)\n")
    assert (result.exit_code, result.stderr) == (1, said)
    assert result.stdout == ""


def test_help_names_what_each_option_takes() -> None:
    # "-k TEXT", "--corpus TEXT" and "--config TEXT" hid what they take; -k's range and
    # default were nowhere; the commands list cut "qa index" and "qa eval" short with "..."
    main = CliRunner().invoke(cli, ["--help"], terminal_width=100).output
    assert "-k N " in main and "1-100" in main and "default 3" in main
    assert "--corpus PATH" in main and "--config FILE" in main and "--store DIR|URI" in main
    assert "TEXT" not in main.replace("-q, --question TEXT", "")
    commands = main.split("Commands:")[1].split("Examples:")[0].splitlines()
    assert not [c for c in commands if c.strip().startswith(("index", "eval")) and "..." in c]
    index = CliRunner().invoke(cli, ["index", "--help"], terminal_width=100).output
    assert "sentences per answer" not in index.lower()  # indexing shows no answer
    assert "-k N" in CliRunner().invoke(cli, ["eval", "--help"]).output
