from __future__ import annotations

import io

from qa.bot import Answer
from qa.rank import Hit
from qa.text import safe
from qa.ui.render import BOLD, DIM, format_answer, use_color

HIT = Hit("The lighthouse was built in 1852.", 0.8, "/docs/light.txt", 10, 43, 0, "Light",
          ("It stands on a rock.",), ("Its light is bright.",), "Alan Stevenson")


def test_plain_answer_has_sentence_source_and_labelled_context() -> None:
    text = format_answer(Answer("When was the lighthouse built?", (HIT,), False))
    lines = text.splitlines()
    assert lines[0] == "1. The lighthouse was built in 1852."
    assert "Alan Stevenson said" in lines[1] and "/docs/light.txt" in lines[1]
    assert "paragraph 1, chars 10-43" in lines[1]
    assert lines[2:] == ["   before: It stands on a rock.", "   after: Its light is bright."]
    assert "\x1b" not in text


def test_colour_bolds_matches_and_dims_context() -> None:
    text = format_answer(Answer("When was the lighthouse built?", (HIT,), False), color=True)
    assert f"{BOLD}lighthouse" in text and f"{BOLD}built" in text
    assert f"{DIM}It stands on a rock." in text


def test_context_off_and_abstention() -> None:
    text = format_answer(Answer("q", (HIT,), False), context=False)
    assert "before:" not in text
    assert format_answer(Answer("q", (), True, "I couldn't find that.")) == "I couldn't find that."


def test_control_characters_never_reach_the_terminal() -> None:
    assert safe("bad\x1b[2Jname") == "bad\\x1b[2Jname"
    assert not use_color(io.StringIO())
