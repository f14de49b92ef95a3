"""The server's one Bot: built in the background, asked WORKERS questions at a time, swapped
whole.

Concurrency: Bot.ask is CPU-bound, and numpy and onnxruntime release the GIL while they work,
so questions run on WORKERS threads, one per core. A warm Bot may be asked from several threads:
the tables it makes lazily are made by the warm-up (`warm`); what it still fills in later (which
rows hold a kind of answer, the rows of a filter) comes out the same from any thread; the query
model guards its tokenizer and its session swap with a lock. tests/test_serve_threads.py checks
that two threads give exactly the single thread's answers. A conversation remembers its turns,
so its own turns still go one at a time (an anyio lock per conversation). The event loop stays
free to accept, parse and answer other requests meanwhile.

A re-index brings the store up to date in a child process at low priority (qa.serve.reindex),
then, on a thread of its own, loads it into a new Bot (sharing the query model), warms that
through the same workers, and only then replaces the reference: a question is answered wholly
by the old Bot or wholly by the new one, and none waits for the build.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from qa.bot import Answer, Bot, plural
from qa.chat import Conversation
from qa.config import Settings
from qa.embed.query import QUICK_CALLS
from qa.errors import NotReadyError, QAError
from qa.serve.reindex import index_in_child

T = TypeVar("T")
WARM_QUESTION = "what is this about"  # any question: it loads what the first answer needs
# Asked this often, the warm question also swaps in the query model's optimised session
# (after QUICK_CALLS calls), so the swap never happens while clients wait.
WARM_TIMES = QUICK_CALLS + 1
# One question per core at a time: more threads only queue on the cores. Measured with
# benchmarks/load.py on 2 cores shared with other work (README "qa serve"): 1 worker, p95
# 4,488 ms and 17.5 q/s at saturation; 2 workers, p95 303 ms and 42.8 q/s.
WORKERS = max(1, os.cpu_count() or 1)


def warm(bot: Bot) -> None:
    """Make everything a question needs (store pages, tables, the query model's fast session)
    before clients ask: after this, `bot.ask` only reads shared state."""
    for _ in range(WARM_TIMES):
        bot.ask(WARM_QUESTION)
        # The retriever keeps the vectors of the last questions it embedded, so asking again
        # embeds nothing: the query model is called directly to reach its fast session.
        bot.embedder.encode_query(WARM_QUESTION)


@dataclass(frozen=True)
class Status:
    """What /api/ready reports."""

    ready: bool
    reindexing: bool
    generation: int  # how many stores have been swapped in since start (1 = the first)
    sentences: int
    documents: int
    error: str  # the last build's error, "" when it went well


class Service:
    """Owns the current Bot and the worker that asks it."""

    def __init__(self, settings: Settings, notify: Callable[[str], None] | None = None,
                 make_bot: Callable[..., Bot] = Bot.from_settings,
                 failed: Callable[[str], None] | None = None) -> None:
        """`make_bot(settings, notify=..., embedder=...)` makes each Bot (a Bot subclass, say).
        `failed(error)`, when given, is told (in place of `notify`) that a build failed with no
        store to fall back on, the first one: `qa serve` stops then, as nothing can be answered.
        """
        self.settings = settings
        self.notify = notify or (lambda _: None)
        self.make_bot = make_bot
        self.failed = failed
        self._bot: Bot | None = None
        self._building = False
        self._generation = 0
        self._error = ""
        self._state = threading.Lock()  # guards the fields above
        self._worker = anyio.CapacityLimiter(WORKERS)
        self._loop: anyio.lowlevel.EventLoopToken | None = None  # the app's, set by bind()
        # one lock per conversation, used on the event loop only; gone with the conversation
        self._turns: weakref.WeakKeyDictionary[Conversation, anyio.Lock] = (
            weakref.WeakKeyDictionary())

    # --- building and swapping ---------------------------------------------------------------

    def start(self) -> None:
        """Build (or load) the store on a background thread; the server answers 503 until then."""
        self.reindex()

    def reindex(self) -> bool:
        """Start a re-index in the background; False when one is already running."""
        with self._state:
            if self._building:
                return False
            self._building = True
        threading.Thread(target=self._build, name="qa-reindex", daemon=True).start()
        return True

    def _build(self) -> None:
        try:
            old = self._bot
            embedder = old.embedder if old is not None else None
            index_in_child(self.settings, self.notify)
            bot = self.make_bot(self.settings, notify=self.notify, embedder=embedder)
            bot.reindex()  # the store is up to date now: this loads it
            if old is None or self._loop is None:
                warm(bot)
            else:  # the model is shared with the Bot in use: warm up on the worker
                anyio.from_thread.run(self._warm, bot, token=self._loop)
            error = ""
        except QAError as exc:
            bot, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a failed build must not stop the server
            bot, error = None, f"{type(exc).__name__}: {exc}"
        with self._state:
            if bot is not None:
                self._bot = bot  # the swap: one reference assignment
                self._generation += 1
            self._error = error
            self._building = False
            first = self._bot is None
            generation = self._generation
        if error and first and self.failed is not None:
            self.failed(error)
        elif error:
            self.notify(f"re-index failed: {error}")
        elif bot is not None:  # said, so that whoever started the server knows it answers now
            size = (f"{plural(len(bot.store.documents), 'document')}, "
                    f"{plural(bot.store.count, 'sentence')}")
            self.notify(f"ready: {size}" if generation == 1 else f"re-indexed: {size}")

    async def _warm(self, bot: Bot) -> None:
        await self.run(warm, bot)

    def bind(self) -> None:
        """Remember the running event loop, so a build thread can reach the worker."""
        self._loop = anyio.lowlevel.current_token()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no build is running (tests, and `POST /api/reindex?wait=1`)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._state:
                if not self._building:
                    return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    # --- answering -----------------------------------------------------------------------------

    @property
    def bot(self) -> Bot:
        """The Bot in use; NotReadyError while the first store is being built."""
        bot = self._bot
        if bot is None:
            with self._state:
                error = self._error
            if error:
                raise NotReadyError(f"the store could not be built: {error} - fix that, then "
                                    "POST /api/reindex or restart qa serve")
            raise NotReadyError("the store is being built - try again in a few seconds")
        return bot

    def status(self) -> Status:
        with self._state:
            bot, building, generation, error = (self._bot, self._building, self._generation,
                                                self._error)
        store = bot.store if bot is not None else None
        return Status(bot is not None, building, generation,
                      store.count if store else 0, len(store.documents) if store else 0, error)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on a worker thread (WORKERS at a time), off the event loop."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._worker)

    async def ask(self, question: str, k: int | None) -> Answer:
        """One question, no conversation."""
        bot = self.bot
        return await self.run(lambda: bot.ask(question, k))

    async def converse(self, conversation: Conversation, question: str | None,
                       k: int | None) -> Answer:
        """A turn of `conversation` (`question` None: more), asked of the Bot in use now."""
        bot = self.bot

        def turn() -> Answer:
            conversation.bot = bot  # an older Bot's conversation moves to the new store
            return conversation.more(k) if question is None else conversation.ask(question, k)

        lock = self._turns.get(conversation)
        if lock is None:
            lock = self._turns[conversation] = anyio.Lock()
        async with lock:
            return await self.run(turn)


__all__ = ["WARM_QUESTION", "WORKERS", "NotReadyError", "Service", "Status", "warm"]
