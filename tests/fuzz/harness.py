"""The fuzzing harness: a workspace with one warm bot, the real `qa` command, and the invariants.

Every target is a function `check_*(ws, *example)` that feeds one generated example to the real
thing and raises `Violation` (an AssertionError naming the invariant broken) when qa
misbehaves. tests/fuzz/test_fuzz.py runs each a bounded number of times; benchmarks/fuzz.py runs
them longer and counts what they find. The invariants, for every surface:

- no traceback: nothing but a QAError leaves the library, the command never prints "Traceback";
- exit codes 0, 1 or 2 only;
- no hang: each run ends within its time limit;
- nothing that drives a terminal reaches stdout or stderr: no C0 control but newline and tab,
  no DEL, no C1 control (CSI, OSC, ...), no bidi override or isolate, and the bytes are UTF-8;
- the store passes its own checks afterwards (`Store.load(..., verify=True)`);
- nothing is answered from outside the corpus: a canary file linked in is never indexed.

Cost: the model is loaded once, by the workspace's bot, which indexes each example's files
in-process (embedding only what changed). The command is then run on the up-to-date store,
through click's CliRunner (about 0.1 s) or, for some examples, as `python -m qa` in a
subprocess (about 0.5 s; the real process, its real stdout encoding and exit code).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from click.testing import CliRunner
from hypothesis import reject

from qa import Bot
from qa.errors import ConfigError, QAError, QuestionError
from qa.index import Store
from qa.ingest import MAX_SENTENCE_CHARS, SkipFile, list_files, read_document
from qa.text import safe
from qa.ui.cli import cli
from qa.ui.render import format_answer

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = ROOT / "tests" / "data" / "harbour" / "portmill-harbour.txt"

# Time limits, generous for two busy cores: a question answers in about 0.1 s, a file of a few
# hundred sentences embeds in a few seconds, the 200,000-character file splits in under one.
READ_LIMIT = 20.0
RUN_LIMIT = 60.0
# Characters: an error message a user can read, not a dump of the input. Far above any real
# message (the longest seen is about 300), far below what echoing a whole input makes.
MAX_MESSAGE = 10_000

# What a file's sentence and its question are, in the file-name and link targets.
FACT = "The zebra quota at Portmill rose to 4471 crates in the spring."
FACT_QUESTION = "What did the zebra quota at Portmill rise to?"
CANARY = "The canary password for the vault is quixotic-vermilion-8812."
CANARY_MARK = "vermilion-8812"
CANARY_QUESTION = "What is the canary password for the vault?"

_C0 = "\x00-\x08\x0b-\x1f\x7f"  # all but tab and newline, and DEL
_C1 = "\x80-\x9f"
_BIDI = "\u202a-\u202e\u2066-\u2069"
_RAW = {
    "ESC": re.compile("\x1b"),
    "C0": re.compile(f"[{_C0}]"),
    "C1": re.compile(f"[{_C1}]"),
    "bidi": re.compile(f"[{_BIDI}]"),
}


class Violation(AssertionError):
    """An invariant broken; `invariant` names it, the message says how."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f"{invariant}: {detail}")
        self.invariant = invariant
        self.detail = detail


class Hang(Exception):
    """Raised in the main thread when a run outlives its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise Hang in this (main) thread after `seconds`; a hang becomes a Violation."""
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"{what} still running after {seconds:g} s")

    if threading.current_thread() is not threading.main_thread():  # signals reach only main
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except Hang as exc:
        raise Violation("hang", str(exc)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- runs and their invariants -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One run of qa: exit code, the bytes it wrote, and the traceback it ended in, if any."""

    code: int
    stdout: bytes
    stderr: bytes
    crash: str = ""  # an uncaught exception (in-process runs), formatted as Python prints it

    @property
    def traceback(self) -> str:
        if self.crash:
            return self.crash
        text = self.stderr.decode("utf-8", "replace")
        return text[text.index("Traceback"):] if "Traceback" in text else ""


def crashed(exc: BaseException) -> Violation:
    """What an exception no surface should let out becomes: a Violation naming where."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Violation(f"traceback ({crash_site(tb)})", f"{type(exc).__name__}: {exc}"[:300])


def crash_site(tb: str) -> str:
    """'TypeError at qa/embed/model.py:149': the exception and the deepest frame in qa."""
    lines = tb.strip().splitlines()
    last = next((ln for ln in reversed(lines) if re.match(r"^[\w.]+(: |$)", ln)), "?")
    kind = last.split(":")[0]
    frames = re.findall(r'File "([^"]+)", line (\d+)', tb)
    ours = [(f, n) for f, n in frames if "/qa/" in f and "site-packages" not in f]
    where = ""
    if ours:
        f, n = ours[-1]
        where = f" at {f[f.rindex('/qa/') + 1:]}:{n}"
    return f"{kind}{where}"


def raw_controls(text: str, bidi: bool = True) -> list[str]:
    """Kinds of terminal-driving characters in `text`: ESC, C0, C1, bidi."""
    return [kind for kind, pattern in _RAW.items()
            if (bidi or kind != "bidi") and pattern.search(text)]


def check_output(stream: str, data: bytes, bidi: bool = True) -> str:
    """`data` as text, after checking it is UTF-8 with nothing that drives a terminal."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Violation(f"not UTF-8 on {stream}",
                        f"byte {data[exc.start:exc.start + 1]!r} in {data[:200]!r}") from None
    kinds = raw_controls(text, bidi)
    if kinds:
        first = next(m for k in kinds for m in _RAW[k].finditer(text))
        around = text[max(0, first.start() - 40):first.end() + 40]
        raise Violation(f"raw {kinds[0]} on {stream}", repr(around))
    return text


def check_run(run: Run, bidi: bool = True) -> str:
    """The invariants every run keeps; returns stdout as text."""
    if run.traceback:
        raise Violation(f"traceback ({crash_site(run.traceback)})",
                        run.traceback.strip().splitlines()[-1][:300])
    if run.code not in (0, 1, 2):
        raise Violation("exit code", f"{run.code}, stderr {run.stderr[-300:]!r}")
    check_output("stderr", run.stderr, bidi)
    return check_output("stdout", run.stdout, bidi)


def _in_process(args: Sequence[str], stdin: bytes | None, cwd: Path) -> Run:
    runner = CliRunner()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with time_limit(RUN_LIMIT, "qa " + " ".join(args)[:80]):
            result = runner.invoke(cli, list(args), input=stdin, catch_exceptions=True)
    finally:
        os.chdir(here)
    exc = result.exception
    crash = ""
    if exc is not None and not isinstance(exc, SystemExit):
        if isinstance(exc, Hang):
            raise Violation("hang", str(exc))
        crash = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Run(result.exit_code, result.stdout_bytes, result.stderr_bytes or b"", crash)


def process_env() -> dict[str, str]:
    """The environment of a `python -m qa` subprocess: this checkout's qa, offline."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env["HF_HUB_OFFLINE"] = "1"
    # A desktop's UTF-8 locale (en_US.UTF-8) makes Python's stdout strict; the C.UTF-8 locale
    # of a container would hide undecodable text behind surrogateescape. Be the desktop.
    env["PYTHONIOENCODING"] = "utf-8:strict"
    env.pop("COLUMNS", None)
    return env


def _subprocess(args: Sequence[str], stdin: bytes | None, cwd: Path) -> Run:
    # argv is bytes on Linux: str arguments go as their file-system bytes, NUL cannot go at all.
    argv = [sys.executable, "-m", "qa", *(os.fsencode(a.replace("\0", "")) for a in args)]
    try:
        done = subprocess.run(argv, input=stdin or b"", capture_output=True, cwd=cwd, check=False,
                              env=process_env(), timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:
        raise Violation("hang", f"qa {' '.join(args)[:80]} still running after "
                        f"{RUN_LIMIT:g} s") from None
    return Run(done.returncode, done.stdout, done.stderr)


# --- the workspace -------------------------------------------------------------------------------


class Workspace:
    """A corpus, its store and a warm bot, plus a canary outside the corpus; reused by examples.

    Layout under `root`: corpus/ (the anchor file, and one folder per target, emptied by
    `folder`), store/, outside/ (the canary, never to be answered from), home/ (the command's
    cwd, with a config.yaml naming the corpus and store, abstain_threshold 0 so every answer
    shows its sources). `scratch` is a separate folder for files that are not in the corpus.
    """

    def __init__(self, root: Path, suffixes: tuple[str, ...]) -> None:
        self.root = root
        self.corpus = root / "corpus"
        self.store = root / "store"
        self.outside = root / "outside"
        self.home = root / "home"
        self.scratch = Path(tempfile.mkdtemp(prefix="qa-fuzz-scratch-"))
        for folder in (self.corpus, self.outside / "docs", self.home):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(ANCHOR, self.corpus / ANCHOR.name)
        (self.outside / "canary.txt").write_text(CANARY + "\n", encoding="utf-8")
        (self.outside / "docs" / "canary.md").write_text(f"# Vault\n\n{CANARY}\n",
                                                         encoding="utf-8")
        self.suffixes = suffixes
        config = {"corpus": ["../corpus"], "store": "../store", "abstain_threshold": 0.0,
                  "extensions": list(suffixes), "k": 3}
        (self.home / "config.yaml").write_text(json.dumps(config), encoding="utf-8")
        self.bot = Bot.from_config(self.home / "config.yaml")
        check_run(self.reindex())
        # qa gives torch every core; on two cores shared with other work that made each small
        # embedding 5-10 times slower (thread contention: 1.5 s, against 0.2 s with one thread).
        import torch

        torch.set_num_threads(1)
        # For config examples: a corpus no other target touches, so a config's `extensions`
        # either keeps its listing (answered from its store) or empties it (a CorpusError).
        self.config_corpus = self.scratch / "config-corpus"
        self.config_corpus.mkdir()
        shutil.copy(ANCHOR, self.config_corpus / "harbour.txt")
        self.config_store = self.scratch / "config-store"
        side = Bot(corpus=self.config_corpus, store=self.config_store, notify=lambda _: None)
        side.embedder = self.bot.embedder  # one model in memory
        side.reindex()

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    @contextlib.contextmanager
    def folder(self, name: str) -> Iterator[Path]:
        """The corpus folder `name`, empty; emptied again afterwards, and the store with it, so
        one example's files never show in another's answers."""
        folder = self.corpus / name
        _empty(folder)
        try:
            yield folder
        finally:
            if any(folder.iterdir()):
                _empty(folder)
                with contextlib.redirect_stderr(io.StringIO()):
                    self.bot.reindex()

    def reindex(self) -> Run:
        """`qa index` in-process, on the warm bot: notices on stderr, a QAError as exit 1."""
        err = io.StringIO()
        code, crash = 0, ""
        with contextlib.redirect_stderr(err):
            try:
                with time_limit(RUN_LIMIT, "indexing"):
                    self.bot.reindex()
            except QAError as exc:
                print(f"Error: {safe(str(exc))}", file=sys.stderr)
                code = 1
            except Violation:
                raise
            except Exception as exc:  # noqa: BLE001 - what the command would show as a traceback
                crash = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        # Python's stderr writes what UTF-8 cannot hold (surrogates) as backslash escapes.
        return Run(code, b"", err.getvalue().encode("utf-8", "backslashreplace"), crash)

    def qa(self, *args: str, stdin: bytes | None = None, process: bool = False,
           cwd: Path | None = None) -> Run:
        """Run the command in `home` (its config.yaml names the corpus and store)."""
        run = _subprocess if process else _in_process
        return run(args, stdin, cwd or self.home)

    def check_store(self) -> Store:
        """The store passes its own checks: every file matches its record."""
        try:
            store = Store.load(self.store, self.bot.embedder.identity, verify=True)
        except QAError as exc:
            raise Violation("store check", str(exc)) from None
        if store is None:
            raise Violation("store check", "no current generation")
        return store


def _empty(folder: Path) -> None:
    """Make `folder` an empty folder; links in it are removed, never followed."""
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()


# --- targets -------------------------------------------------------------------------------------


def _write(path: bytes, data: bytes) -> None:
    """Write a file the generator named, or reject the example if the file system refuses."""
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError:  # name too long, or bytes this file system does not take
        reject()


def check_file_name(ws: Workspace, name: bytes, titled: bool, process: bool) -> None:
    """A file so named is indexed, answered from, and named exactly in JSON, never raw."""
    with ws.folder("names") as folder:
        _file_name(ws, os.path.join(os.fsencode(folder), name), name, titled, process)


def _file_name(ws: Workspace, path: bytes, name: bytes, titled: bool, process: bool) -> None:
    _write(path, ((b"Zebra quota\n\n" if titled else b"") + FACT.encode() + b"\n"))
    check_run(ws.reindex())
    store = ws.check_store()
    real = os.path.realpath(path)
    hidden = name.startswith(b".")
    if not hidden and real not in {os.fsencode(d.path) for d in store.documents}:
        raise Violation("not indexed", f"{name!r} is not in the store")
    check_run(ws.qa("-k", "2", "-q", FACT_QUESTION, process=process))
    text = check_run(ws.qa("-k", "2", "--json", "-q", FACT_QUESTION))
    if hidden:
        return
    sources = [hit["path"] for hit in json.loads(text)["hits"]]  # source is relative
    if os.fsdecode(real) not in sources:
        raise Violation("JSON source not exact", f"{os.fsdecode(real)!r} not in {sources!r}")


def check_read(ws: Workspace, suffix: str, data: bytes) -> None:
    """One file through list_files and read_document: a Document whose offsets hold, or SkipFile."""
    folder = ws.scratch / "read"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    path = folder / f"doc{suffix}"
    path.write_bytes(data)
    notices: list[str] = []
    try:
        with time_limit(READ_LIMIT, f"reading {len(data):,} bytes"):
            listed = list_files([folder], ws.suffixes, notices.append)
            if listed != [path.resolve()]:
                raise Violation("not listed", f"{listed} {notices}")
            try:
                doc = read_document(path, ws.bot.settings.max_file_bytes)
            except SkipFile as exc:
                if "\n" in str(exc) or len(str(exc)) > MAX_MESSAGE:
                    raise Violation("skip message", repr(str(exc))[:300]) from None
                return
    except Violation:
        raise
    except Exception as exc:  # noqa: BLE001
        raise crashed(exc) from None
    end = 0
    for s in doc.sentences:
        # Markdown's sentences close the gaps its blanked markup left (issue 11): same
        # characters but for spaces.
        if "".join(doc.text[s.start:s.end].split()) != "".join(s.text.split()) or s.start < end:
            raise Violation("sentence offsets", f"{s!r}")
        if not s.text or s.text != s.text.strip() or len(s.text) > MAX_SENTENCE_CHARS:
            raise Violation("sentence text", f"{s.text[:200]!r}")
        end = s.end
    for what, text in (("title", doc.title), ("text", doc.text)):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise Violation(f"{what} not encodable", repr(text[exc.start:exc.end])) from None


def check_indexed_bytes(ws: Workspace, suffix: str, data: bytes, process: bool, as_json: bool,
                        bidi: bool) -> None:
    """A file indexed by the bot and asked about by the command: the same verdict as reading it,
    and its text shown without raw controls (`bidi`: nor bidi overrides)."""
    with ws.folder("bytes") as folder:
        _indexed_bytes(ws, folder / f"doc{suffix}", data, process, as_json, bidi)


def _indexed_bytes(ws: Workspace, path: Path, data: bytes, process: bool, as_json: bool,
                   bidi: bool) -> None:
    path.write_bytes(data)
    check_run(ws.reindex(), bidi=bidi)
    store = ws.check_store()
    try:
        doc = read_document(path, ws.bot.settings.max_file_bytes)
    except SkipFile:
        doc = None
    except Exception:  # noqa: BLE001 - check_read reports it
        return
    indexed = str(path.resolve()) in {d.path for d in store.documents}
    if indexed != (doc is not None):
        raise Violation("index and reader disagree", f"indexed={indexed}, read={doc is not None}")
    # Its first sentence as the question, so the answer shows the file's text and title.
    question = doc.sentences[0].text[:200] if doc is not None else "harbour"
    args = ["-k", "3", "-q", question or "harbour"] + (["--json"] if as_json else [])
    check_run(ws.qa(*args, process=process), bidi=bidi)


def check_ask(ws: Workspace, question: str, k: int | None) -> None:
    """The library: an Answer or a QuestionError, rendered without raw controls."""
    try:
        with time_limit(RUN_LIMIT, "asking"):
            answer = ws.bot.ask(question, k=k)
    except QuestionError as exc:
        message = str(exc)
        if "\n" in message or len(message) > MAX_MESSAGE or raw_controls(message):
            raise Violation("question error message", repr(message)[:300]) from None
        return
    except Violation:
        raise
    except Exception as exc:  # noqa: BLE001
        raise crashed(exc) from None
    for kind in raw_controls(answer.question + answer.understood_as, bidi=False):
        raise Violation(f"raw {kind} in answer.question", repr(answer.question)[:300])
    check_output("format_answer", format_answer(answer).encode("utf-8", "surrogatepass"),
                 bidi=False)
    check_output("JSON", json.dumps(answer.to_dict(), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"), bidi=False)


def check_one_shot(ws: Workspace, question: str, as_json: bool, process: bool,
                   bidi: bool) -> None:
    """`qa -q QUESTION [--json]` (`bidi`: check for bidi overrides too)."""
    args = ["-q", question] + (["--json"] if as_json else [])
    check_run(ws.qa(*args, process=process), bidi=bidi)


def check_question_file(ws: Workspace, data: bytes, conversation: bool, stdin: bool,
                        process: bool, bidi: bool) -> None:
    """`qa --questions FILE|-`: one JSON line per question line, whatever the lines hold; a
    chat command line is none (README "One-shot, pipes and batch")."""
    source = "-"
    if not stdin:
        path = ws.scratch / "questions.txt"
        path.write_bytes(data)
        source = str(path)
    args = ["--questions", source] + (["--conversation"] if conversation else [])
    text = check_run(ws.qa(*args, stdin=data if stdin else None, process=process), bidi=bidi)
    out = [line for line in text.splitlines() if line.strip()]
    for line in out:
        try:
            json.loads(line)
        except ValueError:
            raise Violation("not JSON Lines", repr(line)[:300]) from None
    try:
        lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=None).readlines()
    except UnicodeDecodeError:
        return  # what to print for an undecodable line is the decoder's choice
    expected = 0
    for line in lines:  # a chat command is no question; quit, exit and q stop the reading
        text = line.strip()
        if text[:1] == ":" or (text[:1] == "/" and text[1:2].isalpha()):
            command: str | None = text[1:].split(" ", 1)[0].lower()
        else:
            word = text.lower().rstrip(".!")
            command = word if word in ("quit", "exit", "q", "more") else None
        if command in ("quit", "exit", "q"):
            break
        if text and command is None:
            expected += 1
    if len(out) != expected:
        raise Violation("one answer per line", f"{expected} questions, {len(out)} answers")


def check_chat(ws: Workspace, lines: list[str]) -> None:
    """The chat, line by line as typed (commands, questions, follow-ups), as run_repl runs it:
    a QAError is shown and the chat goes on, anything else would end it in a traceback."""
    from qa.ui.repl import Chat

    out: list[str] = []
    chat = Chat(ws.bot, out.append, color=False)
    for line in lines:
        try:
            with time_limit(RUN_LIMIT, f"chat line {line[:40]!r}"):
                if not chat.handle(line):
                    break
        except QAError as exc:
            chat.error(safe(str(exc)))
        except Violation:
            raise
        except Exception as exc:  # noqa: BLE001
            raise crashed(exc) from None
    check_output("chat", "\n".join(out).encode("utf-8", "surrogatepass"), bidi=False)


def check_config_load(ws: Workspace, data: bytes) -> None:
    """load_settings: Settings, or a ConfigError with a message a user can read."""
    path = ws.scratch / "config.yaml"
    path.write_bytes(data)
    try:
        with time_limit(READ_LIMIT, "reading the config"):
            from qa.config import load_settings

            settings = load_settings(path)
            settings.max_file_bytes  # noqa: B018 - derived from the file's values
    except ConfigError as exc:
        message = safe(str(exc))
        if len(message) > MAX_MESSAGE:
            raise Violation("message too long", f"{len(message):,} characters") from None
        return
    except Violation:
        raise
    except Exception as exc:  # noqa: BLE001
        raise crashed(exc) from None


def check_config_run(ws: Workspace, data: bytes, process: bool) -> None:
    """`qa --config FILE -q ...` on a corpus of its own: an answer or one readable error."""
    path = ws.scratch / "config.yaml"
    path.write_bytes(data)
    run = ws.qa("--config", str(path), "--corpus", str(ws.config_corpus), "--store",
                str(ws.config_store), "-q", "Where is the harbour?", process=process,
                cwd=ws.scratch)
    check_run(run)
    if len(run.stderr) > MAX_MESSAGE:
        raise Violation("message too long", f"{len(run.stderr):,} bytes on stderr")


LINK_KINDS = ("file", "file-relative", "folder", "folder-relative", "chain", "ancestor",
              "inside", "dangling", "loop")


def check_link(ws: Workspace, name: bytes, kind: str, process: bool) -> None:
    """A symlink in the corpus: never answered from outside it; the canary never shows."""
    with ws.folder("links") as folder:
        _link(ws, folder, name, kind, process)


def _link(ws: Workspace, folder: Path, name: bytes, kind: str, process: bool) -> None:
    link = Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))
    canary = ws.outside / "canary.txt"
    target: str | Path = {
        "file": canary,
        "file-relative": os.path.relpath(canary, folder),
        "folder": ws.outside / "docs",
        "folder-relative": os.path.relpath(ws.outside / "docs", folder),
        "ancestor": ws.root,
        "inside": ws.corpus / ANCHOR.name,
        "dangling": ws.outside / "missing.txt",
        "loop": link.name,
        "chain": "hop/next.txt",
    }.get(kind, canary)
    if kind == "chain":  # a link to a link in the corpus, which leads out
        (folder / "hop").mkdir()
        os.symlink(os.path.relpath(canary, folder / "hop"), folder / "hop" / "next.txt")
    try:
        os.symlink(target, link)
    except OSError:
        reject()
    check_run(ws.reindex())
    store = ws.check_store()
    corpus = os.path.realpath(ws.corpus)
    for doc in store.documents:
        if os.path.commonpath([corpus, os.path.realpath(doc.path)]) != corpus:
            raise Violation("indexed from outside the corpus", doc.path)
    text = check_run(ws.qa("-k", "10", "--json", "-q", CANARY_QUESTION, process=process))
    if CANARY_MARK in text:
        raise Violation("answered from outside the corpus", f"link {name!r} ({kind})")


__all__ = [
    "CANARY", "FACT", "LINK_KINDS", "Run", "Violation", "Workspace", "check_ask", "check_chat",
    "check_config_load", "check_config_run", "check_file_name", "check_indexed_bytes",
    "check_link", "check_one_shot", "check_output", "check_question_file", "check_read",
    "check_run", "crash_site", "process_env", "raw_controls", "time_limit",
]
