"""Scoring a question file against the bot: ranking quality and whether it declines rightly.

A question file is JSON Lines. Each line is either one question, `{"q": ..., "gold": [...]}`,
or a conversation, `{"turns": [{"q": ..., "gold": [...]}, ...]}` asked in order. `gold`
holds substrings of right answers; a hit is right when it contains one of them (case and
spacing ignored). An empty `gold` means the corpus cannot answer and the bot should decline.

Ranking figures (Hit@1, Hit@3, MRR@10) are over the answerable questions and look at the
ranked sentences even when the bot declined, so retrieval and abstention are measured apart:
"declined wrongly" counts answerable questions the bot refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.bot import Bot
from qa.chat import Conversation
from qa.errors import QAError
from qa.text import decode_lines
from qa.ui.render import Terminal, join_lines

RANKED = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    """One question's result: the rank of the first right hit (0 = none in the top 10)."""

    question: str
    gold: tuple[str, ...]
    rank: int
    declined: bool
    top: str


@dataclass(frozen=True)
class EvalReport:
    """Figures for one question file; `outcomes` keeps every question for inspection."""

    path: str
    outcomes: tuple[Outcome, ...]

    @property
    def answerable(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.gold)

    @property
    def unanswerable(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.gold)

    def hit_at(self, k: int) -> float:
        """Share of answerable questions with a right sentence in the top k."""
        a = self.answerable
        return sum(1 for o in a if 0 < o.rank <= k) / len(a) if a else 0.0

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the first right sentence (top 10), answerable questions."""
        a = self.answerable
        return sum(1 / o.rank for o in a if o.rank) / len(a) if a else 0.0

    @property
    def declined_correctly(self) -> int:
        """Unanswerable questions the bot declined."""
        return sum(1 for o in self.unanswerable if o.declined)

    @property
    def declined_wrongly(self) -> int:
        """Answerable questions the bot declined."""
        return sum(1 for o in self.answerable if o.declined)

    @property
    def answered_right(self) -> int:
        """Answerable questions answered with a right top sentence."""
        return sum(1 for o in self.answerable if o.rank == 1 and not o.declined)

    def format(self) -> Terminal:
        """A small Markdown table of the figures, then the questions missed at rank 1."""
        a, u = len(self.answerable), len(self.unanswerable)
        rows = [
            ("questions", f"{len(self.outcomes)} ({a} answerable, {u} not)"),
            ("Hit@1", f"{self.hit_at(1):.3f}"),
            ("Hit@3", f"{self.hit_at(3):.3f}"),
            ("MRR@10", f"{self.mrr:.3f}"),
            ("answered right", f"{self.answered_right}/{a}"),
            ("declined correctly", f"{self.declined_correctly}/{u}"),
            ("declined wrongly", f"{self.declined_wrongly}/{a}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{self.path}", "", f"| {'measure':<{width}} | value |",
                 f"|{'-' * (width + 2)}|-------|"]
        lines += [f"| {name:<{width}} | {value} |" for name, value in rows]
        missed = [o for o in self.outcomes
                  if (o.gold and (o.rank != 1 or o.declined)) or (not o.gold and not o.declined)]
        if missed:
            lines += ["", "missed:"]
            for o in missed:
                what = "declined" if o.declined else f"rank {o.rank or '>10'}: {o.top[:70]}"
                if not o.gold:
                    what = f"answered: {o.top[:70]}"
                lines.append(f"  - {o.question} -> {what}")
        return join_lines(*lines)  # each line escaped whole: questions and sentences are outside text


def read_questions(path: Path) -> list[list[tuple[str, tuple[str, ...]]]]:
    """The file as conversations: a plain question is a conversation of one turn."""
    try:
        with open(path, "rb") as stream:
            lines = list(decode_lines(stream))
    except OSError as exc:
        raise QAError(f"cannot read question file {path}: {exc.strerror or exc}") from None
    conversations: list[list[tuple[str, tuple[str, ...]]]] = []
    for line in lines:
        number = line.number
        if line.error:
            raise QAError(f"{path}, line {number}: {line.error}")
        if not line.text.strip():
            continue
        try:
            item = json.loads(line.text)
            turns = item["turns"] if isinstance(item, dict) and "turns" in item else [item]
            conversations.append([_turn(t) for t in turns])
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(
                f"{path}, line {number}: not a question ({exc.__class__.__name__}) - "
                'each line must be {"q": "...", "gold": ["..."]} or {"turns": [...]}'
            ) from None
    return conversations


def _turn(item: Any) -> tuple[str, tuple[str, ...]]:
    question, gold = item["q"], item.get("gold", [])
    if not isinstance(question, str) or not isinstance(gold, list):
        raise TypeError("q must be a string and gold a list")
    return question, tuple(str(g) for g in gold)


def contains_gold(text: str, gold: Sequence[str]) -> bool:
    """True when one of the gold substrings is in `text` (case and spacing ignored)."""
    flat = _flat(text)
    return any(_flat(g) in flat for g in gold if g.strip())


def _flat(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def evaluate_file(bot: Bot, path: Path) -> EvalReport:
    """Ask every question of a file (conversations in order) and score the answers."""
    return EvalReport(str(path), tuple(_outcomes(bot, read_questions(Path(path)))))


def _outcomes(bot: Bot, conversations: list[list[tuple[str, tuple[str, ...]]]]
              ) -> Iterator[Outcome]:
    for turns in conversations:
        asker = Conversation(bot)
        for question, gold in turns:
            answer = asker.ask(question, k=RANKED)
            hits = list(answer.hits)
            if answer.abstained and not hits:
                # Declined: still rank what it would have said, to measure retrieval apart.
                understood = getattr(answer, "understood_as", "") or question
                hits = bot.retriever.search(understood, RANKED)
            rank = next((i for i, h in enumerate(hits, 1) if contains_gold(h.text, gold)), 0)
            yield Outcome(question, gold, rank, answer.abstained, hits[0].text if hits else "")


__all__ = ["EvalReport", "Outcome", "contains_gold", "evaluate_file", "read_questions"]
