"""Scoring question files: the figures on hand-made outcomes, then a real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import Bot, QAError
from qa.ui.evaluate import EvalReport, Outcome, contains_gold, evaluate_file, read_questions

from .conftest import DATA


def test_figures_from_outcomes() -> None:
    report = EvalReport("x.jsonl", (
        Outcome("a", ("g",), 1, False, "g"),
        Outcome("b", ("g",), 2, False, "h"),
        Outcome("c", ("g",), 0, True, "h"),
        Outcome("d", (), 0, True, ""),
        Outcome("e", (), 0, False, "h"),
    ))
    assert report.hit_at(1) == pytest.approx(1 / 3)
    assert report.hit_at(3) == pytest.approx(2 / 3)
    assert report.mrr == pytest.approx((1 + 0.5) / 3)
    assert (report.declined_correctly, report.declined_wrongly) == (1, 1)
    table = report.format()
    assert "| Hit@1" in table and "0.333" in table and "declined correctly | 1/2" in table
    assert "  - e -> answered: h" in table


def test_contains_gold_ignores_case_spacing_and_curly_quotes() -> None:
    assert contains_gold("“We will  find the money.”", ['we will find the MONEY'])
    assert contains_gold("Serbia’s interests", ["Serbia's interests"])
    assert not contains_gold("anything", [])


def test_read_questions_accepts_both_formats(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "one", "gold": ["a"]}\n\n'
                    '{"turns": [{"q": "two", "gold": []}, {"q": "three", "gold": ["b"]}]}\n')
    assert read_questions(path) == [[("one", ("a",))], [("two", ()), ("three", ("b",))]]


def test_bad_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "one", "gold": []}\nnot json\n')
    with pytest.raises(QAError, match="line 2"):
        read_questions(path)


def test_real_run(news_store: Path, tmp_path: Path) -> None:
    bot = Bot(corpus=DATA / "news", store=news_store, notify=lambda _: None)
    path = tmp_path / "q.jsonl"
    lines = [
        {"q": "How far will the new lamp be visible?", "gold": ["twenty-two nautical miles"]},
        {"q": "How much are festival tickets?", "gold": ["four pounds"]},
        {"q": "What is the capital of Australia?", "gold": []},
        {"turns": [{"q": "What did Okafor say about the harbour dues?",
                    "gold": ["rise by five percent"]}]},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    report = evaluate_file(bot, path)
    assert len(report.outcomes) == 4
    assert report.hit_at(1) == 1.0 and report.mrr == 1.0
    assert report.declined_correctly == 1 and report.declined_wrongly == 0
