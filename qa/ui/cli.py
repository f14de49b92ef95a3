"""The `qa` command: chat, one-shot questions, batches, indexing and evaluation.

Exit codes: 0 answered or abstained, 1 user or data error, 2 usage error.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from qa.bot import Bot
from qa.chat import Conversation
from qa.config import load_settings
from qa.errors import QAError, QuestionError
from qa.text import Line, decode_lines, for_json, safe
from qa.ui.render import echo

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = """\b
Examples:
  qa                                   chat with the configured corpus
  qa -q "what did Stoltenberg say about the KSF"
  qa -q "who won?" --json --corpus ~/notes
  qa --questions questions.txt         one question per line, JSON Lines out
  qa index --rebuild                   re-embed the whole corpus
  qa eval questions.jsonl              score a question set

\b
Exit codes: 0 answered or declined, 1 user or data error, 2 usage error.
"""


def _options(f: F) -> F:
    """Options every command shares; each overrides config.yaml."""
    for decorator in reversed([
        click.option("--config", "config", type=click.Path(dir_okay=False),
                     help="Config file (default: ./config.yaml when present)."),
        click.option("--corpus", "corpus", multiple=True,
                     help="File or folder to answer from; repeat for several."),
        click.option("--store", "store", help="Directory of the vector store, or a Milvus URI "
                     "(milvus:///path/qa.db, http://host:19530)."),
        click.option("-k", "k", type=int, help="Number of sentences per answer."),
    ]):
        f = decorator(f)
    return f


def _bot(ctx: click.Context, config: str | None, corpus: tuple[str, ...], store: str | None,
         k: int | None) -> Bot:
    parent = ctx.find_root().params
    config = config or parent.get("config")
    corpus = corpus or parent.get("corpus") or ()
    store = store or parent.get("store")
    k = k if k is not None else parent.get("k")
    if config is None and Path("config.yaml").is_file():
        config = "config.yaml"
    settings = load_settings(config, corpus=list(corpus) or None, store=store, k=k)
    return Bot.from_settings(settings, progress=sys.stderr.isatty())


def _fail(exc: QAError) -> None:
    # Messages name paths and values, which may hold escapes; click writes this one itself.
    raise click.ClickException(safe(str(exc))) from None


@click.group(invoke_without_command=True, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--question", "question", help="Answer one question and exit.")
@click.option("--questions", "questions", metavar="FILE",
              help="Answer one question per line of FILE ('-' for stdin), as JSON Lines.")
@click.option("--json", "as_json", is_flag=True, help="Print answers as JSON.")
@click.option("--conversation", is_flag=True,
              help="With --questions: take the lines as turns of one conversation.")
@_options
@click.version_option(package_name="qa")
@click.pass_context
def cli(ctx: click.Context, question: str | None, questions: str | None, as_json: bool,
        conversation: bool, config: str | None, corpus: tuple[str, ...], store: str | None,
        k: int | None) -> None:
    """Ask questions of your documents; answers are their own sentences, with sources.

    With no question, opens a chat on the configured corpus.
    """
    if ctx.invoked_subcommand is not None:
        return
    if question is not None and questions is not None:
        raise click.UsageError("give either -q or --questions, not both")
    if conversation and questions is None:
        raise click.UsageError("--conversation needs --questions FILE")
    try:
        bot = _bot(ctx, config, corpus, store, k)
        if question is not None:
            _one_shot(bot, question, as_json)
        elif questions is not None:
            _batch(bot, questions, conversation)
        else:
            from qa.ui.repl import run_repl

            run_repl(bot)
    except QAError as exc:
        _fail(exc)


def _one_shot(bot: Bot, question: str, as_json: bool) -> None:
    from qa.ui.render import format_answer, use_color

    answer = bot.ask(question)
    if as_json:
        echo(for_json(answer.to_dict()))
    else:
        echo(format_answer(answer, color=use_color(), context=bot.settings.context > 0))


def _batch(bot: Bot, name: str, conversation: bool) -> None:
    """One JSON line per question; a line that cannot be read or asked gets an "error" (also
    on stderr, with its number) and the batch goes on, to exit 1 at the end."""
    ask = Conversation(bot).ask if conversation else bot.ask
    source = "stdin" if name == "-" else name
    failed = False
    for line in _question_lines(name):
        question = line.text.strip()
        if not question and not line.error:
            continue
        try:
            if line.error:
                raise QuestionError(line.error)
            data = ask(question).to_dict()
        except QuestionError as exc:  # one bad line must not end the batch
            failed = True
            error = f"line {line.number}: {exc}"
            data = {"question": question, "abstained": True, "hits": [], "error": error}
            echo(f"qa: {source}, {error}", err=True)
        echo(for_json(data))
    if failed:
        sys.exit(1)


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


@cli.command()
@click.option("--rebuild", is_flag=True, help="Re-embed everything, not only changes.")
@click.option("--verify", is_flag=True,
              help="Hash every file to find changes that kept size and modification time.")
@_options
@click.pass_context
def index(ctx: click.Context, rebuild: bool, verify: bool, config: str | None,
          corpus: tuple[str, ...], store: str | None, k: int | None) -> None:
    """Build the store, or bring it up to date with the corpus."""
    try:
        bot = _bot(ctx, config, corpus, store, k)
        s = bot.reindex(rebuild=rebuild, verify=verify)
        echo(f"{s.count:,} sentences from {len(s.documents):,} documents in "
             f"{bot.backend.describe()}")
    except QAError as exc:
        _fail(exc)


@cli.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_options
@click.pass_context
def evaluate(ctx: click.Context, file: str, config: str | None, corpus: tuple[str, ...],
             store: str | None, k: int | None) -> None:
    """Score a question file (JSON Lines: {"q": ..., "gold": [substrings]})."""
    try:
        from qa.ui.evaluate import evaluate_file

        bot = _bot(ctx, config, corpus, store, k)
        echo(evaluate_file(bot, Path(file)).format())
    except QAError as exc:
        _fail(exc)


def main() -> None:
    """Entry point: exit codes 0 (answered or declined), 1 (user error), 2 (usage error)."""
    try:
        cli.main(prog_name="qa", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
