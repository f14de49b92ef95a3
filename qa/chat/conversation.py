"""Conversations: a Bot asked question after question, follow-ups understood from the turns.

A follow-up ("who did he thank?") is rewritten into a standalone question (followups.py) from
the names of the conversation so far (names.py), then asked of the Bot like any question.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from qa.bot import Answer, Confidence
from qa.chat.followups import Turn, standalone
from qa.chat.names import Names
from qa.errors import QuestionError
from qa.rank import Hit
from qa.text import clean_question, normal

if TYPE_CHECKING:
    from qa.bot import Bot


class Conversation:
    """A chat with a Bot that remembers its turns, so follow-up questions make sense.

    >>> chat = Conversation(bot)
    >>> chat.ask("What did Vucic say about Kosovo?")
    >>> chat.ask("who did he thank?").understood_as
    'who did Vucic thank?'
    """

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._turns: list[Turn] = []
        self._names: Names | None = None
        # Files or folders of the corpus the answers must come from (Bot.ask's `within`).
        self.within: tuple[str, ...] | None = None

    @property
    def history(self) -> list[Turn]:
        """The turns so far, oldest first."""
        return list(self._turns)

    @property
    def names(self) -> Names:
        """The names of the Bot's corpus, learned anew when the Bot's store changes."""
        store = self.bot.store
        if self._names is None or self._names.store is not store:
            self._names = Names(store, self.bot.retriever.analysis)
        return self._names

    def new(self) -> None:
        """Forget the conversation: the next question is taken as it is."""
        self._turns.clear()

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer `question` as understood after the turns before it; a bare "more" is more()."""
        text = clean_question(question)
        if text.lower().strip(" .!:") in ("more", "show more", "next"):
            return self.more(k)
        k = self.bot.check_k(k)
        understood = self.understand(text)
        rows = self.bot.rows_within(self.within) if self.within else None
        focus = self._focus(text)
        answer = None
        if focus is not None:
            # a follow-up is about the story the last answer came from, unless that story is
            # silent on it: "who came second?" after the best Scottish band of all time
            answer = self.bot.ask_rows(text, focus, k, understood_as=understood)
            if answer.abstained:
                answer = None
            else:
                rows = focus
        if answer is None:
            answer = self.bot.ask_rows(text, rows, k, understood_as=understood)
        self._turns.append(Turn(text, answer.understood_as, answer, answer.hits, rows,
                                self.within))
        return answer

    def _focus(self, question: str) -> NDArray[np.int64] | None:
        """For a follow-up, the rows of the document the last answer's first sentence came
        from; a question asked again, or after `within` changed, is no follow-up. None too
        when that document is the whole corpus."""
        if not self._turns or self._turns[-1].within != self.within:
            return None
        if normal(question) == normal(self._turns[-1].question):
            return None
        last = next((t for t in reversed(self._turns) if t.answer.hits), None)
        if last is None or last.answer.hits[0].row < 0:
            return None
        rows = self.bot.document_rows(last.answer.hits[0].row)
        return rows if rows.size < self.bot.store.count else None

    def understand(self, question: str) -> str:
        """`question` as a standalone question, with what it leaves out taken from the turns."""
        if not self._turns:
            return question
        return standalone(question, self._turns, self.names)

    def more(self, k: int | None = None) -> Answer:
        """At most k next hits for the last question: none already shown, as an answer or as
        the context around one, and none repeating a sentence shown."""
        if not self._turns:
            raise QuestionError("there is no question to show more for yet - ask one first")
        k = self.bot.check_k(k)
        turn = self._turns[-1]
        shown = {h.row for h in turn.shown}
        for h in turn.shown:  # context shown around a hit counts as shown
            if h.row >= 0:
                shown.update(range(h.row - len(h.before), h.row + len(h.after) + 1))
        seen = {normal(t) for h in turn.shown for t in (h.text, *h.before, *h.after)}
        rows = turn.rows
        hits: list[Hit] = []
        for hit in self.bot.retriever.search(turn.understood_as, k + len(turn.shown),
                                             frozenset(shown), within=rows):
            if normal(hit.text) not in seen and len(hits) < k:
                seen.add(normal(hit.text))
                hits.append(hit)
        if hits:
            # As sure as the question's first reply; after a guess or a decline, a guess.
            sure: Confidence = "high" if turn.answer.confidence == "high" else "low"
            answer = Answer(turn.question, self.bot.label(hits), False, "", turn.understood_as,
                            sure)
        else:
            answer = Answer(turn.question, (), True,
                            "No more answers to that question.", turn.understood_as)
        self._turns[-1] = replace(turn, shown=turn.shown + answer.hits)
        return answer


__all__ = ["Conversation"]
