"""The chat: a prompt-toolkit loop over a Bot. Commands start with ':'."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory, InMemoryHistory

from qa.bot import Answer, Bot, display_path, plural
from qa.chat import Conversation
from qa.config import MAX_K
from qa.errors import QAError
from qa.index import file_stat
from qa.text import safe
from qa.ui.commands import LEAVE, chat_command
from qa.ui.render import (
    DIM,
    RED,
    YELLOW,
    Terminal,
    blocks,
    format_answer,
    paint,
    terminal,
    use_color,
    wrap,
)

HELP = """\
Type a question and press Enter. Follow-ups ("and about Russia?", "who did he thank?")
are understood from the conversation so far. Commands:
  :help             this help
  :sources          list the documents being answered from
  :k N              show N sentences per answer (now {k})
  :context on|off   show neighbouring sentences around each answer (now {context})
  :scores [on|off]  show or hide each answer's score (now {scores})
  :in PATH          answer only from this file or folder of the corpus; :in alone: all (now {within})
  :more (or more)   show the next sentences for the last question (at most k), none repeated
  :new              start a new conversation: forget the earlier questions
  :history          list the questions so far and how each was understood
  :reindex          re-read the corpus and update the store
  :quit             leave (also quit, exit, :q or Ctrl-D)
Ctrl-C clears the line, or stops an answer being made.
Commands may start with / too (/help, /quit)."""


def history_path() -> Path:
    """Where chat history lives: $QA_HOME, else the user's data directory."""
    home = os.environ.get("QA_HOME")
    if home:
        return Path(home) / "history"
    from platformdirs import user_data_dir

    return Path(user_data_dir("qa", appauthor=False)) / "history"


def _session() -> PromptSession[str]:
    try:
        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        history: Any = FileHistory(str(path))
    except OSError:
        history = InMemoryHistory()
    return PromptSession(history=history, auto_suggest=AutoSuggestFromHistory())


class Chat:
    """The chat's state and commands, apart from the terminal loop so tests can drive it."""

    def __init__(self, bot: Bot, write: Callable[[str], None], color: bool,
                 scores: bool = False, within: tuple[str, ...] = (),
                 width: Callable[[], int] | None = None) -> None:
        self.bot = bot
        self.width = width  # a terminal's: each line is wrapped between words to fit it
        self._write = write
        self.color = color
        self.k = bot.settings.k
        self.context = bot.settings.context > 0
        self.scores = scores
        self.conversation = Conversation(bot)
        self.conversation.within = within or None

    def show(self, answer: Answer, start: int = 1) -> None:
        self.write(format_answer(answer, self.color, self.context, start=start,
                                 scores=self.scores))
        for source in self.changed(answer):
            self.write(paint(f"{source} changed after it was read - :reindex to read it again",
                             YELLOW, self.color))

    def changed(self, answer: Answer) -> list[str]:
        """The sources of `answer` whose files changed (or went) since the store read them:
        the chat reads the corpus once, and would otherwise cite sentences a file no longer
        holds as if it did. A stat per file shown, no listing of the corpus."""
        store = self.bot.store
        out = []
        for hit in answer.hits:
            if hit.row < 0:  # not a row of the store: nothing recorded to compare with
                continue
            doc = store.documents[int(store.rows[hit.row, 0])]
            if file_stat(Path(hit.path)) != (doc.size, doc.mtime_ns):
                out.append(hit.source)
        return list(dict.fromkeys(out))

    def write(self, text: str) -> None:
        """Show `text`; anything but Terminal text is escaped whole (see qa.ui.render)."""
        self._write(wrap(text, self.width()) if self.width else terminal(text))

    def error(self, message: str) -> None:
        self.write(paint(message, RED, self.color))

    def handle(self, line: str) -> bool:
        """Answer a question or run a command; False when the chat should end."""
        line = line.strip()
        if not line:
            return True
        said = chat_command(line)
        if said is None:
            self.show(self.conversation.ask(line, k=self.k))
        elif line[:1] in ":/":  # "/quit", "/help": as other chats are told
            return self.command(":" + line[1:])
        elif said in LEAVE:
            return False
        else:  # "more" typed alone
            self.more()
        return True

    def more(self) -> None:
        history = self.conversation.history
        start = len(blocks(history[-1].shown)) + 1 if history else 1
        self.show(self.conversation.more(k=self.k), start=start)

    def show_history(self) -> None:
        turns = self.conversation.history
        if not turns:
            self.write("no questions yet in this conversation")
        for number, turn in enumerate(turns, 1):
            self.write(f"{number}. {turn.question}")
            if turn.understood_as != turn.question:
                self.write(paint(f"   understood as: {turn.understood_as}", DIM, self.color))
            shown = len(turn.shown)
            top = turn.shown[0].text if turn.shown else "(no answer)"
            top = top if len(top) <= 90 else top[:89] + "…"
            self.write(f"   {shown} shown; first: {top}")

    def command(self, line: str) -> bool:
        name, _, arg = line[1:].partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in LEAVE:
            return False
        if name in ("help", "h", "?"):
            within = ", ".join(self.conversation.within or ()) or "the whole corpus"
            self.write(Terminal(HELP.format(k=self.k, context="on" if self.context else "off",
                                            scores="on" if self.scores else "off",
                                            within=safe(within))))
        elif name == "sources":
            docs = self.bot.sources()
            self.write(f"{plural(len(docs), 'document')}:")
            for path, title, count in docs:
                self.write(f"  {path}  ({plural(count, 'sentence')})  {title}")
        elif name == "scores":
            if arg.lower() not in ("", "on", "off"):
                self.error(":scores needs on or off (or nothing, to switch)")
            else:
                self.scores = arg.lower() == "on" if arg else not self.scores
                self.write(f"scores {'on' if self.scores else 'off'}")
        elif name == "in":
            self.within(arg)
        elif name == "k":
            # isdigit() admits '²', which int() rejects; 5,000 digits would overflow int().
            if (not (arg.isascii() and arg.isdigit() and len(arg) <= len(str(MAX_K)))
                    or not 1 <= int(arg) <= MAX_K):
                shown = arg[:20] + ("..." if len(arg) > 20 else "")
                self.error(f":k needs a whole number from 1 to {MAX_K}, got {shown or 'nothing'}")
            else:
                self.k = int(arg)
                self.write(f"showing {self.k} sentence{'s' if self.k > 1 else ''} per answer")
        elif name == "context":
            if arg.lower() not in ("on", "off"):
                self.error(":context needs on or off")
            else:
                self.context = arg.lower() == "on"
                self.write(f"context {arg.lower()}")
        elif name == "more":
            self.more()
        elif name == "new":
            self.conversation.new()
            self.write("new conversation: earlier questions are forgotten")
        elif name == "history":
            self.show_history()
        elif name == "reindex":  # as `qa index` says it: one line each, every file named
            for said in self.bot.update().lines():
                self.write(said)
        else:
            self.error(f"unknown command :{name} - type :help for the list")
        return True

    def within(self, arg: str) -> None:
        """`:in PATH` limits the answers to a file or folder of the corpus; `:in` clears it."""
        if not arg:
            self.conversation.within = None
            self.write("answering from the whole corpus")
            return
        self.bot.rows_within([arg])  # a QuestionError, shown in red, when it holds nothing
        self.conversation.within = (arg,)
        self.write(f"answering only from {arg} (:in alone for the whole corpus)")


def welcome(bot: Bot) -> str:
    """The chat's first line: what it answers from, and how to leave."""
    store = bot.store  # built or updated here, with a progress bar
    where = ", ".join(display_path(str(p), bot.settings.corpus) for p in bot.settings.corpus)
    return (f"qa - {plural(len(store.documents), 'document')} "
            f"({plural(store.count, 'sentence')}) from {where}. Ask a question; :help for "
            "commands, Ctrl-D to leave.")


def run_repl(bot: Bot, session: PromptSession[str] | None = None,
             write: Callable[[str], None] = print, color: bool | None = None,
             scores: bool = False, within: tuple[str, ...] = (),
             width: Callable[[], int] | None = None) -> None:
    """Chat until :quit or Ctrl-D; Ctrl-C clears the line, or stops the reply being made; errors
    are shown and the chat goes on.
    `width` gives the terminal's width, to wrap each reply between words (none: no wrapping)."""
    color = use_color() if color is None else color
    chat = Chat(bot, write, color, scores, within, width)
    banner = welcome(bot)  # builds or updates the store before the first prompt
    session = session or _session()
    chat.write(paint(banner, DIM, color))
    while True:
        try:
            line = session.prompt("qa> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            if not chat.handle(line):
                break
        except QAError as exc:
            chat.error(str(exc))
        except KeyboardInterrupt as exc:  # stops this reply, not the chat and its conversation
            chat.error(str(exc).strip() or "stopped")
