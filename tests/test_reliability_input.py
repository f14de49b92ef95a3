"""Bad questions, bad chat commands and bad config: a helpful reply, never a traceback.

Questions go through the library, the one-shot CLI and the chat; the chat must go on after each
one. Config errors go through the CLI: exit 1 and one line on stderr. Nothing a user typed is
echoed raw to the terminal: control characters and escape sequences are shown as \\xNN.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from qa import Bot, QuestionError
from qa.ui.cli import cli
from qa.ui.repl import run_repl

from .conftest import SEEDS

KNOWN_Q = "What did Stoltenberg say about the Kosovo Security Forces?"
KNOWN_A = "Kosovo Security Forces"

BAD_QUESTIONS = {
    "empty": "",
    "whitespace": " \t \u3000 \u00a0 ",
    "huge": "Stoltenberg " * 8_334,  # 100,008 characters
    "punctuation": "?!?... ,;:-- ()[]{} ¿¡ …",
    "emoji": "🚀🔥🤔❓ 👍🏽",
    "other language": "Что сказал Столтенберг о силах безопасности Косово?",
    "chinese": "斯托尔滕贝格对科索沃安全部队说了什么？",
    "control characters": "What\x00 did\x07 Stoltenberg\x08 say\x7f\x9b about the Kosovo "
                          "Security Forces?",
    "escape sequences": "\x1b[2J\x1b[31mWhat did Stoltenberg say\x1b]0;pwned\x07 about the "
                        "Kosovo Security Forces?\x1b[0m",
    "only escapes": "\x1b[2J\x1b[H\x1b[?1049h",
    "right-to-left override": "what did Vucic say \u202eerutuf eht tuoba",
    "lone newline": "\n",
}
REFUSED = {"empty", "whitespace", "huge", "lone newline", "only escapes"}


def _raw_control(text: str) -> list[str]:
    return sorted({ch for ch in text if (ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) < 0xA0})


@pytest.mark.parametrize("name", sorted(BAD_QUESTIONS))
def test_library_answers_or_refuses_clearly(seed_bot: Bot, name: str) -> None:
    question = BAD_QUESTIONS[name]
    if name in REFUSED:
        with pytest.raises(QuestionError) as caught:
            seed_bot.ask(question)
        message = str(caught.value)
        assert " - " in message  # what happened - what to do
        assert len(message) < 200 and "\n" not in message
        return
    answer = seed_bot.ask(question)
    assert answer.abstained or answer.hits
    assert not _raw_control(answer.question)
    if name in ("control characters", "escape sequences"):
        assert not answer.abstained and KNOWN_A in answer.hits[0].text


def _chat(bot: Bot, keys: str) -> str:
    out: list[str] = []
    with create_pipe_input() as pipe:
        # From a thread: a 100,000-character paste is more than the pipe holds unread. Ctrl-D
        # at the end, since the pipe stays open.
        sender = threading.Thread(target=pipe.send_text, args=(keys + "\x04",), daemon=True)
        sender.start()
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(bot, session=session, write=out.append, color=False)
        sender.join(timeout=10)
    return "\n".join(out)


def _line(text: str) -> str:
    """Keys that put `text` on the prompt as a terminal paste would, then Enter.

    The pipe reads keys, so raw escape sequences would be taken as key presses (as a terminal
    does); a bracketed paste is how such bytes really reach the prompt.
    """
    if text.isprintable() and len(text) < 200:  # typed; else pasted
        return text + "\r"
    return "\x1b[200~" + text.replace("\r", " ").replace("\n", " ") + "\x1b[201~\r"


@pytest.mark.parametrize("name", sorted(BAD_QUESTIONS))
def test_chat_goes_on_after_a_bad_question(seed_bot: Bot, name: str) -> None:
    text = _chat(seed_bot, _line(BAD_QUESTIONS[name]) + _line(KNOWN_Q))
    assert KNOWN_A in text  # the next question is still answered
    assert not _raw_control(text), name
    assert "Traceback" not in text
    if name == "huge":
        assert "100,0" in text and "at most 1,000" in text


CHAT_COMMANDS = {
    ":k -3": ":k needs a whole number from 1 to 100, got -3",
    ":k x": ":k needs a whole number from 1 to 100, got x",
    ":k": ":k needs a whole number from 1 to 100, got nothing",
    ":k 0": ":k needs a whole number from 1 to 100, got 0",
    ":k 101": ":k needs a whole number from 1 to 100, got 101",
    ":k 2.5": ":k needs a whole number from 1 to 100, got 2.5",
    ":k ²": ":k needs a whole number from 1 to 100, got ²",
    ":k " + "9" * 5000: ":k needs a whole number from 1 to 100, got 99999",
    ":k \x1b[2J": ":k needs a whole number from 1 to 100, got \\x1b[2J",
    ":nosuch": "unknown command :nosuch - type :help for the list",
    ":": "unknown command : - type :help for the list",
    ":\x1b[31mred": "unknown command :\\x1b[31mred - type :help for the list",
    ":context maybe": ":context needs on or off",
    ":K 2": "showing 2 sentences per answer",
}


@pytest.mark.parametrize("command", sorted(CHAT_COMMANDS))
def test_bad_chat_commands_get_help_and_the_chat_goes_on(seed_bot: Bot, command: str) -> None:
    text = _chat(seed_bot, _line(command) + _line(KNOWN_Q))
    assert CHAT_COMMANDS[command] in text
    assert KNOWN_A in text
    assert not _raw_control(text)


def test_many_bad_lines_in_one_chat(seed_bot: Bot) -> None:
    keys = "".join(_line(q) for q in BAD_QUESTIONS.values()) + "".join(
        _line(c) for c in CHAT_COMMANDS) + _line(KNOWN_Q) + _line(":quit")
    text = _chat(seed_bot, keys)
    assert text.rstrip().endswith(text.rstrip().splitlines()[-1])
    assert KNOWN_A in text.split("showing 2 sentences per answer")[-1]
    assert not _raw_control(text)


# --- one-shot and batch through the CLI -----------------------------------------------------


def _cli(args: list[str], seed_store: Path, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, [*args, "--corpus", str(SEEDS), "--store", str(seed_store)], input=stdin,
        catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(BAD_QUESTIONS))
def test_one_shot_bad_question(seed_store: Path, name: str) -> None:
    code, out, err = _cli(["-q", BAD_QUESTIONS[name]], seed_store)
    assert "Traceback" not in out + err
    assert not _raw_control(out + err)
    if name in REFUSED:
        assert code == 1 and out == ""
        assert len([line for line in err.splitlines() if line.startswith("Error:")]) == 1
    else:
        assert code == 0, err
        assert out.strip()


def test_batch_keeps_going_and_exits_1_for_bad_lines(seed_store: Path) -> None:
    lines = [BAD_QUESTIONS["huge"], BAD_QUESTIONS["escape sequences"], KNOWN_Q]
    code, out, _ = _cli(["--questions", "-"], seed_store, "\n".join(lines) + "\n")
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert "at most 1,000" in rows[0]["error"]
    assert KNOWN_A in rows[2]["hits"][0]["text"]
    assert "\x1b" not in out


def test_json_output_escapes_control_characters(seed_store: Path) -> None:
    code, out, _ = _cli(["-q", BAD_QUESTIONS["escape sequences"], "--json"], seed_store)
    assert code == 0
    assert "\x1b" not in out
    assert KNOWN_A in json.loads(out)["hits"][0]["text"]


# --- bad config -------------------------------------------------------------------------------


BAD_CONFIGS = {
    "unknown key": ("top-k: 3\n", "unknown key 'top-k' in config.yaml; valid keys: "),
    "wrong type": ("k: three\n", "'k' in config.yaml must be a whole number, got 'three'"),
    "float k": ("k: 2.5\n", "'k' in config.yaml must be a whole number, got 2.5"),
    "bool k": ("k: true\n", "'k' in config.yaml must be a whole number, got True"),
    "negative k": ("k: -3\n", "'k' in config.yaml must be between 1 and 100, got -3"),
    "threshold high": ("abstain_threshold: 1.5\n",
                       "'abstain_threshold' in config.yaml must be between 0 and 1, got 1.5"),
    "threshold low": ("abstain_threshold: -0.1\n",
                      "'abstain_threshold' in config.yaml must be between 0 and 1, got -0.1"),
    "threshold text": ("abstain_threshold: high\n",
                       "'abstain_threshold' in config.yaml must be a number, got 'high'"),
    "yaml syntax": ("k: 3\nmodel: [unclosed\nstore: x\n", "config.yaml at line "),
    "yaml tab": ("k: 3\n\tstore: x\n", "config.yaml at line 2"),
    "not a mapping": ("- k\n- 3\n", "config.yaml must be a mapping of keys to values, not list"),
    "corpus missing": ("corpus: nowhere\n", "'corpus' in config.yaml names "),
    "max_file_mb": ("max_file_mb: 0\n", "'max_file_mb' in config.yaml must be more than 0, got 0"),
    "extensions": ("extensions: txt\n", "'extensions' in config.yaml must be a list like"),
    "search": ("search: fast\n", "'search' in config.yaml must be one of auto, exact, ann"),
    "invalid utf-8": (b"k: 3\nmodel: caf\xe9\n", "cannot read config file"),
    "escape in key": ("\"\\e[2Jboom\": 1\n", "unknown key '\\x1b[2Jboom' in config.yaml"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
@pytest.mark.parametrize("command", [["-q", "hello"], ["index"]])
def test_bad_config_exits_1_with_one_line(tmp_path: Path, name: str, command: list[str]) -> None:
    body, expected = BAD_CONFIGS[name]
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(body if isinstance(body, bytes) else body.encode())
    result = CliRunner().invoke(cli, [*command, "--config", str(cfg)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert expected in lines[0]
    assert not _raw_control(result.stderr)
    assert result.stdout == ""


def test_yaml_error_names_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("k: 3\ncontext: 1\nmodel: [unclosed\nstore: x\n")
    result = CliRunner().invoke(cli, ["-q", "hi", "--config", str(cfg)])
    assert result.exit_code == 1
    assert "line 4" in result.stderr or "line 3" in result.stderr
    assert "fix the YAML syntax there" in result.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-q", "hi", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: config file {tmp_path / 'nope.yaml'} does not exist - "
        "check the path given to --config")


@pytest.mark.parametrize("args, expected", [
    (["-k", "-3"], "-k must be between 1 and 100, got -3"),
    (["-k", "0"], "-k must be between 1 and 100, got 0"),
    (["-k", "101"], "-k must be between 1 and 100, got 101"),
    (["-k", "abc"], "-k must be a whole number, got 'abc'"),  # was click's usage error, exit 2
    (["-k", "2.5"], "-k must be a whole number, got '2.5'"),
    (["--store", "ftp://host/qa"], ("--store must be a folder or a URI starting with milvus://, "
                                   "http://, https://, tcp://, got 'ftp://host/qa'")),
])
def test_bad_flag_values_exit_1(tmp_path: Path, args: list[str], expected: str) -> None:
    """A bad value exits 1 with one line naming the flag, whichever way it is bad."""
    result = CliRunner().invoke(cli, ["-q", "hi", "--corpus", str(SEEDS),
                                      "--store", str(tmp_path / "s"), *args])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {expected}"


def test_missing_paths_on_the_command_line_exit_1(tmp_path: Path) -> None:
    """--corpus, --config, --questions and eval's FILE: one line, exit 1, the same for each."""
    nope = tmp_path / "nope"
    base = ["--corpus", str(SEEDS), "--store", str(tmp_path / "s")]
    for args, expected in [
        (["-q", "hi", "--corpus", str(nope)], (f"--corpus names {nope}, which does not exist - "
                                               "fix the path")),
        (["-q", "hi", *base, "--config", str(nope)],
         f"config file {nope} does not exist - check the path given to --config"),
        (["-q", "hi", *base, "--config", str(tmp_path)],
         f"config file {tmp_path} is a folder - give --config a YAML file"),
        (["eval", str(nope), *base], (f"cannot read question file {nope}: No such file or "
                                     "directory")),
    ]:
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr.strip()) == (1, f"Error: {expected}")


# --- exit codes -------------------------------------------------------------------------------


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    said = " ".join(result.stdout.split())
    assert ("Exit codes: 0 answered or declined; 1 user or data error: a bad value (-k 0, -k abc), "
            "a path that does not exist") in said
    assert "; 2 usage error: an unknown option" in said and "; 130 interrupted" in said


@pytest.mark.parametrize("args, code", [
    (["-q", KNOWN_Q], 0),                                   # answered
    (["-q", "What is the airspeed of an unladen swallow?"], 0),  # declined
    (["-q", ""], 1),                                        # user error
    (["-q", "x", "--questions", "-"], 2),                   # usage error
    (["-k", "many", "-q", "x"], 1),                         # a bad value, as -k 0
    (["--no-such-flag"], 2),                                # usage error
    (["--conversation", "-q", "x"], 2),                     # usage error
])
def test_exit_codes(seed_store: Path, args: list[str], code: int) -> None:
    result = CliRunner().invoke(cli, [*args, "--corpus", str(SEEDS), "--store", str(seed_store)],
                                input="")
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("command", [["-q", "hi"], ["index"]])
def test_store_that_cannot_be_created_is_one_line(command: list[str]) -> None:
    # /proc looks writable to root, yet no folder can be made in it.
    result = CliRunner().invoke(cli, [*command, "--corpus", str(SEEDS),
                                      "--store", "/proc/qa-no-store/s"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: store /proc/qa-no-store/s cannot be created (No such file or directory) - "
        "choose a store folder where you can write (--store DIR, or store= in the library)")


@pytest.mark.parametrize("command", [["-q", "hi"], ["index"]])
def test_a_store_path_naming_a_file_is_one_line_and_the_file_is_kept(
        tmp_path: Path, command: list[str]) -> None:
    # `--store notes.txt` is a slip of the user's, not a damaged store: nothing is rebuilt.
    file = tmp_path / "notes.txt"
    file.write_text("my notes\n")
    result = CliRunner().invoke(cli, [*command, "--corpus", str(SEEDS), "--store", str(file)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: store {file} is a file, not a folder - choose a folder for the store, new or "
        "made by qa (--store DIR, or store= in the library)")
    assert file.read_text() == "my notes\n"
