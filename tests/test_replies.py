"""Three kinds of reply (issue 17): confident, a marked guess, and a decline kept for questions
nothing in the corpus is about."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa import Bot
from qa.rank import About, reply
from qa.rank.weights import CONFIDENT_FROM

from .conftest import shared

ALL = About(corpus=1.0, document=1.0, passage=1.0, named=1.0, rarest=1.0)


def test_reply_kinds_on_hand_made_evidence() -> None:
    assert reply(CONFIDENT_FROM + 0.05, ALL, 0.38) == "high"
    # the best hit's document lacks the question's rarest word: a guess, however it scores
    assert reply(0.9, About(1.0, 0.8, 0.8, 1.0, 0.0), 0.38) == "low"
    assert reply(CONFIDENT_FROM - 0.05, ALL, 0.38) == "low"
    # little of the question near a weak best hit: declined
    assert reply(0.2, About(1.0, 0.3, 0.2, 1.0, 1.0), 0.38) == "none"
    # the question names only things the corpus never mentions
    assert reply(0.9, About(0.5, 0.5, 0.5, 0.0, 1.0), 0.38) == "none"
    # a threshold of 0 declines nothing the corpus mentions
    assert reply(0.0, About(0.0, 0.0, 0.0, 1.0, 0.0), 0.0) == "low"


def test_seed_replies(seed_bot: Bot) -> None:
    sure = seed_bot.ask("What did Vucic say about the future?")
    assert sure.confidence == "high" and sure.to_dict()["confidence"] == "high"
    hamlet = seed_bot.ask("Who wrote Hamlet?")
    assert hamlet.abstained and hamlet.confidence == "none" and hamlet.hits == ()
    # answered, at least as a marked guess, never declined: the article holds it
    where = seed_bot.ask("where was the news conference held?")
    assert where.confidence in ("high", "low")
    assert where.to_dict()["confidence"] == where.confidence
    assert "Brussels" in where.hits[0].text


@pytest.mark.slow
def test_an_answer_in_a_lead_sentence_is_not_declined(tmp_path: Path) -> None:
    # "how much was the WorldCom fraud?" was declined; the lead sentence says $11bn.
    news = shared("corpora", "bbc-news", "news")
    for name in ("business/ebbers-aware-of-worldcom-fraud.txt",
                 "tech/blog-reading-explodes-in-america.txt"):
        shutil.copy(news / name, tmp_path)
    bot = Bot(corpus=tmp_path, store=tmp_path / "store", notify=lambda _: None)
    answer = bot.ask("how much was the WorldCom fraud?")
    assert not answer.abstained and "$11bn" in answer.hits[0].text
    assert bot.ask("What is the boiling point of mercury?").confidence == "none"
