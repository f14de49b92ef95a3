"""qa serve asks one warm Bot from two threads at once: every answer must be exactly the one the
same Bot gives on one thread (real model, a small real corpus, many questions raced)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from qa import Bot, Conversation
from qa.serve.service import warm
from tests.serve_support import corpus_settings, make_corpus

QUESTIONS = [
    "what did Stoltenberg say about the KSF",
    "who is the mayor of Portmill",
    "when was the harbour wall built",
    "how much will the repairs cost",
    "who thanked the divers",
    "how long will the lighthouse road close",
    "when should the work be finished",
    "where is the public meeting about the road closure",
    "what did the treasurer write in the ledger",
    "who surveyed the foundations",
    "what is the Kosovo Security Force",
    "who said the council would pay for the flood gates",
]
FOLLOW_UPS = [("who is the chief engineer", "what did he warn about"),
              ("who is the mayor of Portmill", "who did she thank")]
pytestmark = pytest.mark.slow  # builds a store and asks ~200 questions: ~15 s of CPU
ROUNDS = 6  # each question asked this often on each thread: enough to interleave them


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    base = tmp_path_factory.mktemp("threads")
    bot = Bot.from_settings(corpus_settings(make_corpus(base / "corpus"), base / "store"),
                            notify=lambda _: None)
    bot.reindex()
    warm(bot)  # as the server does before it answers anyone
    return bot


def _answers(bot: Bot, asked: list[str]) -> list[dict[str, Any]]:
    return [bot.ask(q).to_dict() for q in asked]


def _chat(bot: Bot, pair: tuple[str, str]) -> list[dict[str, Any]]:
    chat = Conversation(bot)
    return [chat.ask(pair[0]).to_dict(), chat.ask(pair[1]).to_dict(), chat.more().to_dict()]


def test_two_threads_answer_as_one(bot: Bot) -> None:
    expected = {q: bot.ask(q).to_dict() for q in QUESTIONS}
    assert any(not a["abstained"] for a in expected.values())
    # two threads, each with the questions in a different order, many times over
    orders = [QUESTIONS * ROUNDS, list(reversed(QUESTIONS)) * ROUNDS]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda asked: _answers(bot, asked), orders))
    for asked, got in zip(orders, results, strict=True):
        for q, answer in zip(asked, got, strict=True):
            assert answer == expected[q], q


def test_two_threads_converse_as_one(bot: Bot) -> None:
    expected = [_chat(bot, pair) for pair in FOLLOW_UPS]
    assert expected[0][1]["understood_as"] != expected[0][1]["question"]
    with ThreadPoolExecutor(2) as pool:
        for _ in range(ROUNDS):
            assert list(pool.map(lambda pair: _chat(bot, pair), FOLLOW_UPS)) == expected


def test_warm_swaps_in_the_fast_session(bot: Bot) -> None:
    """After the warm-up no question swaps the query model's session under the clients."""
    model = bot.embedder.load_query_model()
    if model is None:
        pytest.skip("no query model in this cache: questions go through sentence-transformers")
    assert model.sessions == 2
