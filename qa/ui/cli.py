"""The `qa` command: chat, one-shot questions, pipes, batches, indexing and evaluation.

Exit codes: 0 answered or abstained, 1 user or data error (a bad value of any kind, a missing
path), 2 usage error (what click cannot parse), 130 interrupted.
Config is looked for as qa.config.find_config says: --config, $QA_CONFIG, ./config.yaml,
else built-in defaults; every flag overrides the file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from qa.bot import Answer, Bot
from qa.chat import Conversation
from qa.config import command_settings
from qa.errors import QAError, QuestionError
from qa.text import Line, decode_lines, for_json, safe
from qa.ui.commands import LEAVE, chat_command
from qa.ui.render import echo

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = """\b
Examples:
  qa --corpus ~/notes                  chat with a folder (its store goes to the user cache)
  qa -q "what did Stoltenberg say about the KSF"
  qa -q "who won?" --json --corpus ~/notes
  qa -q "when?" --in notes/2024        answer only from part of the corpus
  echo "who won?" | qa --json          each line of a pipe is a question: JSON Lines out
  qa --questions questions.txt         one question per line, JSON Lines out
  qa index --rebuild                   re-embed the whole corpus
  qa eval questions.jsonl              score a question set

\b
Config: --config FILE, else $QA_CONFIG, else ./config.yaml, else defaults.
Exit codes: 0 answered or declined; 1 user or data error: a bad value (-k 0, -k abc), a path
that does not exist, a config, corpus, store or question qa cannot use; 2 usage error: an
unknown option, an option without its value, options that do not go together; 130 interrupted.
"""


def _number(_ctx: click.Context, _param: click.Parameter, value: str | None
            ) -> int | str | None:
    """-k as given: a whole number, else the text itself, which the settings refuse in one line
    and exit 1 as they do -k 0 (not click's usage error, exit 2): a bad value is a bad value."""
    try:
        return None if value is None else int(value)
    except ValueError:
        return value


def _options(f: F, answers: bool = True) -> F:
    """Options every command shares; each overrides the config file. A command that shows no
    answer (`qa index`) takes -k without listing it, so `qa -k 1 index` still works."""
    for decorator in reversed([
        click.option("--config", "config", metavar="FILE",
                     help="Config file (default: $QA_CONFIG, else ./config.yaml when present)."),
        click.option("--corpus", "corpus", multiple=True, metavar="PATH",
                     help="File or folder to answer from; repeat for several."),
        click.option("--store", "store", metavar="DIR|URI", help="Directory of the vector "
                     "store, or a Milvus URI (milvus:///path/qa.db, http://host:19530)."),
        click.option("-k", "k", callback=_number, metavar="N", hidden=not answers,
                     help="Sentences per answer, 1-100 (default 3, or the config file's k)."),
    ]):
        f = decorator(f)
    return f


def _store_options(f: F) -> F:
    """_options for a command that only builds the store."""
    return _options(f, answers=False)


def make_bot(ctx: click.Context, config: str | None = None, corpus: tuple[str, ...] = (),
             store: str | None = None, k: int | str | None = None) -> Bot:
    """The Bot for a command: its own options, else the group's, over the config file.

    Public so that other subcommands (`qa serve`) build their Bot the same way.
    """
    parent = ctx.find_root().params
    config = config or parent.get("config")
    corpus = corpus or parent.get("corpus") or ()
    store = store or parent.get("store")
    k = k if k is not None else parent.get("k")
    return Bot.from_settings(command_settings(config, corpus, store, k),
                             progress=sys.stderr.isatty())


_bot = make_bot  # the name the commands below have always used


def fail(exc: QAError) -> None:
    """A QAError as click's one-line error (exit 1)."""
    # Messages name paths and values, which may hold escapes; click writes this one itself.
    raise click.ClickException(safe(str(exc))) from None


_fail = fail


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C: one line on stderr saying what was kept, exit 130 (not click's "Aborted!").
    A reader that stopped reading (`qa ... | head -1`) has what it wanted: exit 0, quietly
    (click would exit 1, the code for a line that could not be read)."""
    try:
        yield
    except KeyboardInterrupt as exc:
        said = str(exc).strip()
        echo(f"qa: {said or 'stopped'}", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # What is still buffered for the closed pipe would fail again as Python exits.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


@contextlib.contextmanager
def _status(bot: Bot) -> Iterator[None]:
    """"loading the model…" on a terminal's stderr while the store opens and the model loads;
    the line is wiped once done. Never on stdout, never on a pipe."""
    shown = sys.stderr.isatty()
    if shown:
        sys.stderr.write("qa: loading the model…")
        sys.stderr.flush()
    try:
        yield
    finally:
        if shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _warm(bot: Bot) -> None:
    """Open (build or update) the store and load the query model, under a status line."""
    with _status(bot):
        bot.store  # noqa: B018 - builds or updates it, with a progress bar when embedding
        bot.embedder.load_query_model()


@click.group(invoke_without_command=True, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--question", "question",
              help="Answer one question and exit ('-' reads it from stdin).")
@click.option("--questions", "questions", metavar="FILE",
              help="Answer one question per line of FILE ('-' for stdin), as JSON Lines.")
@click.option("--json", "as_json", is_flag=True, help="Print answers as JSON (JSON Lines).")
@click.option("--conversation", is_flag=True,
              help="With --questions or a pipe: take the lines as turns of one conversation.")
@click.option("--scores", is_flag=True, help="Show each sentence's score (JSON always has it).")
@click.option("--in", "within", multiple=True, metavar="PATH",
              help="Answer only from this file or folder of the corpus; repeat for several.")
@_options
@click.version_option(package_name="qa")
@click.pass_context
def cli(ctx: click.Context, question: str | None, questions: str | None, as_json: bool,
        conversation: bool, scores: bool, within: tuple[str, ...], config: str | None,
        corpus: tuple[str, ...], store: str | None, k: int | str | None) -> None:
    """Ask questions of your documents; answers are their own sentences, with sources.

    With no question, opens a chat on the corpus; with a pipe on stdin, answers each line.
    """
    if ctx.invoked_subcommand is not None:
        return
    if question is not None and questions is not None:
        raise click.UsageError("give either -q or --questions, not both")
    piped = question is None and questions is None and not sys.stdin.isatty()
    if conversation and questions is None and not piped:
        raise click.UsageError("--conversation needs --questions FILE or questions on a pipe")
    try:
        with _interruptible():
            bot = make_bot(ctx, config, corpus, store, k)
            if question == "-":  # one question from stdin: its first line that holds one
                question = next((line.text for line in _question_lines("-")
                                 if line.text.strip() or line.error), "")
            show = _Show(bot, as_json, scores)
            if question is not None:
                if chat_command(question) is not None:
                    raise QuestionError(f"{question.split()[0][:40]} is a chat command - "
                                        f"{CHAT_ONLY}")
                _warm(bot)
                show(bot.ask(question, within=within or None))
            elif questions is not None:
                _batch(bot, questions, conversation, within)
            elif piped:
                _warm(bot)
                _lines(bot, show, conversation, within)
            else:
                from qa.ui.render import columns
                from qa.ui.repl import run_repl

                run_repl(bot, scores=scores, within=within,
                         width=columns if sys.stdout.isatty() else None)
    except QAError as exc:
        fail(exc)


class _Show:
    """Prints an answer as the flags ask: one JSON line, or text for people."""

    def __init__(self, bot: Bot, as_json: bool, scores: bool) -> None:
        self.bot, self.as_json, self.scores = bot, as_json, scores

    def __call__(self, answer: Answer) -> None:
        from qa.ui.render import columns, format_answer, use_color, wrap

        if self.as_json:
            echo(for_json(answer.to_dict()))
            return
        text = format_answer(answer, color=use_color(), context=self.bot.settings.context > 0,
                             scores=self.scores)
        # On a terminal, lines break between words; on a pipe or in a file, one line each.
        echo(wrap(text, columns()) if sys.stdout.isatty() else text)


def _asker(bot: Bot, conversation: bool, within: tuple[str, ...]
           ) -> tuple[Callable[[str], Answer], Callable[[], None] | None]:
    """How a batch or a pipe asks its lines: each on its own, or (--conversation) as the turns
    of one conversation, with the function that starts a new one (:new)."""
    if conversation:
        chat = Conversation(bot)
        chat.within = within or None
        return chat.ask, chat.new
    return lambda question: bot.ask(question, within=within or None), None


def _lines(bot: Bot, show: _Show, conversation: bool, within: tuple[str, ...]) -> None:
    """A pipe on stdin: each non-blank line is a question, answered as it arrives (with
    --conversation, as a turn of one conversation). A line that cannot be asked is one line on
    stderr; the rest go on, to exit 1 at the end. Chat commands are read as _asked says."""
    failed = False
    ask, new = _asker(bot, conversation, within)
    for _, answer, error in _asked("-", ask, new):
        if answer is None:
            failed = True
            echo(f"qa: stdin, {error}", err=True)
        else:
            show(answer)
        sys.stdout.flush()
    if failed:
        sys.exit(1)


def _batch(bot: Bot, name: str, conversation: bool, within: tuple[str, ...] = ()) -> None:
    """One JSON line per question; a line that cannot be read or asked gets an "error" (also
    on stderr, with its number) and the batch goes on, to exit 1 at the end."""
    ask, new = _asker(bot, conversation, within)
    source = "stdin" if name == "-" else name
    failed = False
    for question, answer, error in _asked(name, ask, new):
        if answer is None:  # one bad line must not end the batch
            failed = True
            data = {"question": question, "abstained": True, "hits": [], "error": error}
            echo(f"qa: {source}, {error}", err=True)
        else:
            data = answer.to_dict()
        echo(for_json(data))
    if failed:
        sys.exit(1)


CHAT_ONLY = "chat commands work only in the chat (qa with no question and no pipe)"


def _asked(name: str, ask: Callable[[str], Answer], new: Callable[[], None] | None
           ) -> Iterator[tuple[str, Answer | None, str]]:
    """Each non-blank line of FILE (stdin for '-') asked: (question, answer, "") or, for a
    line that cannot be read or asked, (question, None, "line N: why").

    A chat command is no question: :quit (/quit, quit, exit) stops reading, :new starts a new
    conversation (`new`; without one every question is on its own already), and any other is
    skipped with one line on stderr."""
    source = "stdin" if name == "-" else name
    for line in _question_lines(name):
        question = line.text.strip()
        if not question and not line.error:
            continue
        command = None if line.error else chat_command(question)
        if command in LEAVE:
            return
        if command == "new":
            if new is not None:
                new()
            continue
        if command is not None:
            echo(f"qa: {source}, line {line.number}: skipped {question.split()[0][:40]} - "
                 f"{CHAT_ONLY}", err=True)
            continue
        try:
            if line.error:
                raise QuestionError(line.error)
            answer = ask(question)
        except QuestionError as exc:
            yield question, None, f"line {line.number}: {exc}"
            continue
        yield question, answer, ""


def _question_lines(name: str) -> Iterator[Line]:
    """The lines of FILE, or of stdin for '-'; a file that cannot be read is one QAError."""
    try:
        with contextlib.ExitStack() as stack:
            stream = sys.stdin.buffer if name == "-" else stack.enter_context(open(name, "rb"))
            yield from decode_lines(stream)  # errors of the caller's loop body are not ours
    except OSError as exc:
        where = "stdin" if name == "-" else f"question file {name}"
        raise QAError(f"cannot read {where}: {exc.strerror or exc} - check the path given "
                      "to --questions") from None


@cli.command(short_help="Build or update the store, and say which files changed.")
@click.option("--rebuild", is_flag=True, help="Re-embed everything, not only changes.")
@click.option("--verify", is_flag=True,
              help="Hash every file to find changes that kept size and modification time.")
@_store_options
@click.pass_context
def index(ctx: click.Context, rebuild: bool, verify: bool, config: str | None,
          corpus: tuple[str, ...], store: str | None, k: int | str | None) -> None:
    """Build the store, or bring it up to date with the corpus; says which files changed.

    Ctrl-C keeps what was embedded so far: the next run goes on from there.
    """
    try:
        with _interruptible():
            bot = make_bot(ctx, config, corpus, store, k)
            with _status(bot):
                changes = bot.update(rebuild=rebuild, verify=verify)
            for line in changes.lines():
                echo(line)
    except QAError as exc:
        fail(exc)


@cli.command(name="eval", short_help="Score a question file: Hit@1, Hit@3, MRR@10, declines.")
@click.argument("file")  # a missing file is one line and exit 1, as for --questions
@_options
@click.pass_context
def evaluate(ctx: click.Context, file: str, config: str | None, corpus: tuple[str, ...],
             store: str | None, k: int | str | None) -> None:
    """Score a question file (JSON Lines: {"q": ..., "gold": [substrings]}; see the README)."""
    try:
        with _interruptible():
            from qa.ui.evaluate import evaluate_file

            bot = make_bot(ctx, config, corpus, store, k)
            echo(evaluate_file(bot, Path(file)).format())
    except QAError as exc:
        fail(exc)


from qa.serve.command import serve  # the subcommand lives with the server

cli.add_command(serve)


def main() -> None:
    """Entry point: exit codes 0 (answered or declined), 1 (user error), 2 (usage error)."""
    try:
        cli.main(prog_name="qa", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
