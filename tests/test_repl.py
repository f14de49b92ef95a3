from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from qa import Bot
from qa.ui.repl import run_repl


def chat(bot: Bot, keys: str) -> list[str]:
    out: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(bot, session=session, write=out.append, color=False)
    return out


def test_chat_answers_and_runs_commands(seed_bot: Bot) -> None:
    out = chat(seed_bot, "Which holy places are mentioned?\r:k 1\r:sources\r:context off\r"
                         "What did Vucic say about the future?\r:help\r:quit\r")
    text = "\n".join(out)
    assert out[0].startswith("qa - 1 document")
    assert "our holy places" in text
    assert "showing 1 sentence per answer" in text
    assert "nato-serbia-kosovo-security-forces.txt" in text
    assert "look into the future" in text
    assert ":reindex" in text  # help


def test_bad_commands_keep_the_chat_going(seed_bot: Bot) -> None:
    out = chat(seed_bot, ":k -3\r:k x\r:nosuch\r:context maybe\r\r"
                         "Which holy places are mentioned?\r\x04")  # Ctrl-D leaves
    text = "\n".join(out)
    assert ":k needs a whole number" in text
    assert "unknown command :nosuch" in text
    assert ":context needs on or off" in text
    assert "our holy places" in text


def test_slash_commands_are_commands(seed_bot: Bot) -> None:
    out = chat(seed_bot, "/k 1\r/nosuch\r/quit\rWhich holy places are mentioned?\r\x04")
    text = "\n".join(out)
    assert "showing 1 sentence per answer" in text
    assert "unknown command :nosuch" in text
    assert "our holy places" not in text  # /quit left before the question


def test_ctrl_c_clears_line_and_ctrl_d_leaves(seed_bot: Bot) -> None:
    out = chat(seed_bot, "half typed\x03Which holy places are mentioned?\r\x04")
    text = "\n".join(out)
    assert "our holy places" in text
    assert "half typed" not in text


def test_history_is_saved_in_qa_home(seed_bot: Bot, tmp_path: Path) -> None:
    from qa.ui.repl import _session, history_path

    session = _session()
    assert history_path() == tmp_path / "qa-home" / "history"
    assert session.auto_suggest is not None


def test_reindex_lists_what_changed_on_lines_of_its_own(seed_corpus: Path, tmp_path: Path
                                                        ) -> None:
    # :reindex printed its two lines as one, joined by a literal "\n", and named no file
    bot = Bot(corpus=seed_corpus, store=tmp_path / "store", notify=lambda _: None)
    bot.reindex()
    (seed_corpus / "extra.txt").write_text("The harbour opened in 1850.\n", encoding="utf-8")
    out = chat(bot, ":reindex\r:quit\r")
    assert not any("\\n" in line for line in out), out
    text = "\n".join(out)
    assert "(1 added, 0 changed, 0 removed, 0 skipped)" in text
    assert "  + seeds/extra.txt" in text.splitlines()


def test_a_narrow_terminal_gets_lines_broken_between_words(seed_bot: Bot) -> None:
    out: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text("who did Vucic thank?\r:help\r:sources\r:quit\r")
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(seed_bot, session=session, write=out.append, color=False, width=lambda: 40)
    lines = "\n".join(out).splitlines()
    too_wide = [line for line in lines if len(line) > 40 and " " in line.strip()]
    assert not too_wide
    assert "1. “I thanked Stoltenberg and NATO" in lines
    assert "  :k N              show N sentences per" in lines


def test_ctrl_c_during_an_answer_stops_that_answer_not_the_chat(seed_bot: Bot) -> None:
    # Ctrl-C while a reply was being made or printed ended the whole chat ("qa: stopped",
    # exit 130) and its conversation with it; at the prompt it only clears the line
    out: list[str] = []

    def write(text: str) -> None:
        if "holy places" in text and "<Ctrl-C>" not in out:
            out.append("<Ctrl-C>")
            raise KeyboardInterrupt
        out.append(text)

    with create_pipe_input() as pipe:
        pipe.send_text("Which holy places are mentioned?\rWhich holy places are mentioned?\r"
                       ":quit\r")
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        run_repl(seed_bot, session=session, write=write, color=False)
    assert out[1:3] == ["<Ctrl-C>", "stopped"]
    assert "our holy places" in out[3]  # the chat went on to the next question


def test_scores_and_context_take_on_and_off_in_any_case(seed_bot: Bot) -> None:
    # ":scores off" with scores off turned them on (any word toggled), and ":context ON" was
    # refused while ":K 2" and ":HELP" were taken
    out = chat(seed_bot, ":scores off\r:scores ON\r:scores\r:scores maybe\r:context OFF\r"
                         ":context On\r:quit\r")
    assert out[1:] == ["scores off", "scores on", "scores off",
                       ":scores needs on or off (or nothing, to switch)", "context off",
                       "context on"]


def test_an_answer_from_a_file_changed_since_it_was_read_says_so(seed_corpus: Path,
                                                                 tmp_path: Path) -> None:
    # the chat reads the corpus once: after the file changed, it answered with a sentence the
    # file no longer held, citing it as if it did
    from qa.ui.repl import Chat

    bot = Bot(corpus=seed_corpus, store=tmp_path / "store", notify=lambda _: None)
    out: list[str] = []
    chat = Chat(bot, out.append, color=False)
    note = ("seeds/nato-serbia-kosovo-security-forces.txt changed after it was read - "
            ":reindex to read it again")
    chat.handle("who did Vucic thank?")
    assert "our holy places" in out[-1]
    article = seed_corpus / "nato-serbia-kosovo-security-forces.txt"
    article.write_text("Edited. " + article.read_text(encoding="utf-8"), encoding="utf-8")
    chat.handle("who did Vucic thank?")
    assert "our holy places" in out[-2] and out[-1] == note
    chat.handle(":reindex")
    chat.handle("who did Vucic thank?")
    assert "our holy places" in out[-1]  # read again: no note
