from __future__ import annotations

import io

import pytest

from qa.bot import Answer
from qa.rank import Hit
from qa.text import safe
from qa.ui.render import (
    BOLD,
    DIM,
    LOW_CONFIDENCE,
    RESET,
    UNDERLINE,
    Terminal,
    columns_of,
    format_answer,
    use_color,
    wrap,
)

HIT = Hit("The lighthouse was built in 1852.", 0.8, "/docs/light.txt", 10, 43, 0, "Light",
          ("It stands on a rock.",), ("Its light is bright.",), "Alan Stevenson")


def test_plain_answer_has_sentence_source_and_labelled_context() -> None:
    text = format_answer(Answer("When was the lighthouse built?", (HIT,), False))
    lines = text.splitlines()
    assert lines[0] == "1. The lighthouse was built in 1852."
    assert "Alan Stevenson said" in lines[1] and "/docs/light.txt" in lines[1]
    assert lines[1].endswith("/docs/light.txt, paragraph 1")  # no score unless asked
    assert "score" not in text
    assert lines[2:] == ["   before: It stands on a rock.", "   after: Its light is bright."]
    assert "\x1b" not in text


def test_colour_bolds_matches_and_dims_context() -> None:
    text = format_answer(Answer("When was the lighthouse built?", (HIT,), False), color=True)
    assert f"{BOLD}The {UNDERLINE}lighthouse" in text and f"{UNDERLINE}built" in text
    assert f"{DIM}It stands on a rock." in text


def test_context_off_and_abstention() -> None:
    text = format_answer(Answer("q", (HIT,), False), context=False)
    assert "before:" not in text
    assert format_answer(Answer("q", (), True, "I couldn't find that.")) == "I couldn't find that."


def test_control_characters_never_reach_the_terminal() -> None:
    assert safe("bad\x1b[2Jname") == "bad\\x1b[2Jname"
    assert not use_color(io.StringIO())


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_dumb_terminal_gets_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    # TERM=dumb (Emacs shell, some CI logs) showed qa's escape codes as text
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color(_Tty())
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color(_Tty())


# Three sentences in a row of one paragraph: rows 4 (context), 5 and 6 (answers), 7 (context).
S4, S5, S6, S7 = ("The rock is bare.", "The lighthouse was built in 1852.",
                  "Its lamp was lit in 1853.", "Keepers left in 1980.")
FIRST = Hit(S5, 0.8, "light.txt", 18, 51, 2, "Light", (S4,), (S6,), row=5)
SECOND = Hit(S6, 0.7, "light.txt", 52, 77, 2, "Light", (S5,), (S7,), row=6)


def test_neighbouring_hits_merge_into_one_block_without_repeats() -> None:
    answer = Answer("When was the lighthouse built and lit?", (FIRST, SECOND), False)
    plain = format_answer(answer)
    for sentence in (S4, S5, S6, S7):
        assert plain.count(sentence) == 1, plain
    lines = plain.splitlines()
    assert lines[0] == f"1. {S5} {S6}"  # both answers, in reading order, no marks (piped)
    assert lines[1] == "   light.txt, paragraph 3"
    assert lines[2:] == [f"   before: {S4}", f"   after: {S7}"]
    coloured = format_answer(answer, color=True)
    assert coloured.count("1852") == 1 and "\n2. " not in coloured
    assert f"{DIM}{S4}" in coloured and f"{DIM}{S7}" in coloured  # context dimmed


def test_answers_with_context_between_them_are_marked_without_colour() -> None:
    # rows 5 and 7 answer, row 6 between them is context: which is which shows by a mark
    third = Hit(S7, 0.6, "light.txt", 78, 99, 2, "Light", (S6,), (), row=7)
    first = Hit(S5, 0.8, "light.txt", 18, 51, 2, "Light", (S4,), (S6, S7), row=5)
    lines = format_answer(Answer("q", (first, third), False)).splitlines()
    assert lines[0] == f"1. **{S5}** {S6} **{S7}**"
    assert f"{BOLD}" not in lines[0]


def test_a_sentence_another_file_shows_is_not_shown_again() -> None:
    # a copy of a document: its hits and context repeated the original's in one reply
    original = Hit(S5, 0.8, "light.txt", 18, 51, 2, "Light", (S4,), (S6,), row=5)
    copy = Hit(S7, 0.7, "copy.txt", 78, 99, 2, "Light", (S6,), (), row=107)
    again = Hit(S6, 0.6, "copy.txt", 52, 77, 2, "Light", (S5,), (S7,), row=106)
    plain = format_answer(Answer("q", (original, copy, again), False), context=True)
    for sentence in (S4, S5, S6, S7):
        assert plain.count(sentence) == 1, plain
    assert "copy.txt" in plain


def test_scores_only_when_asked() -> None:
    answer = Answer("q", (FIRST,), False)
    assert "score" not in format_answer(answer)
    assert "score 0.80" in format_answer(answer, scores=True)


def test_page_and_section_are_cited() -> None:
    paged = Hit(S5, 0.8, "report.pdf", 0, 33, 40, "Report", page=12, row=1)
    headed = Hit(S6, 0.8, "notes.md", 0, 33, 4, "Notes", section=("Install", "Linux"), row=9)
    text = format_answer(Answer("q", (paged, headed), False), context=False)
    assert "   report.pdf, page 12" in text.splitlines()
    assert "   notes.md › Install › Linux" in text.splitlines()


def test_low_confidence_is_shown_as_a_guess() -> None:
    answer = Answer("When was the lighthouse built?", (FIRST,), False, confidence="low")
    plain = format_answer(answer).splitlines()
    assert plain[0] == LOW_CONFIDENCE == "Not sure — the closest I found:"
    assert plain[1] == f"1. {S5}"
    coloured = format_answer(answer, color=True)
    # in normal weight, not bold: its context around it is dimmed, so the two must differ
    # (dimmed as well, a user could not tell which of three grey sentences was the answer)
    assert f"{DIM}{S4}{RESET} {S5} {DIM}{S6}{RESET}" in coloured, coloured
    assert BOLD not in coloured
    sure = format_answer(Answer("When was the lighthouse built?", (FIRST,), False), color=True)
    assert LOW_CONFIDENCE not in sure and BOLD in sure


def test_a_reply_opens_with_its_best_sentence() -> None:
    # "who did Vucic thank?" opened with the second-best hit, the sentence before the best:
    # it is shown as the best hit's context instead, and each block opens with its best hit
    best = Hit(S6, 0.8, "light.txt", 52, 77, 2, "Light", (S5,), (S7,), row=6)
    before = Hit(S5, 0.7, "light.txt", 18, 51, 2, "Light", (S4,), (S6,), row=5)
    plain = format_answer(Answer("When was the lamp lit?", (best, before), False))
    lines = plain.splitlines()
    assert lines[0] == f"1. {S6}"
    assert lines[2:] == [f"   before: {S5}", f"   after: {S7}"]
    for sentence in (S5, S6, S7):
        assert plain.count(sentence) == 1, plain
    # three rows on, a hit is a block of its own, without the context already shown
    s9, s10 = "Visitors came in 1990.", "A museum opened in 1995."
    later = Hit(s9, 0.6, "light.txt", 90, 112, 3, "Light", (S7,), (s10,), row=8)
    plain = format_answer(Answer("When?", (best, later), False))
    assert plain.splitlines()[0] == f"1. {S6}" and f"2. {s9}" in plain
    for sentence in (S5, S6, S7, s9, s10):
        assert plain.count(sentence) == 1, plain


def test_a_passage_over_two_pages_cites_both() -> None:
    first = Hit(S5, 0.8, "report.pdf", 0, 33, 4, "Report", page=1, row=7)
    second = Hit(S6, 0.7, "report.pdf", 34, 59, 5, "Report", page=2, row=8)
    text = format_answer(Answer("q", (first, second), False), context=False)
    assert "   report.pdf, pages 1-2" in text.splitlines()


def test_wrap_breaks_between_words_and_indents_under_the_text() -> None:
    # at 40 columns the terminal cut "Stoltenberg" into "Stolte" / "nberg" and the source line
    # lost its indent: lines are broken between words, further lines indented under the text
    long = ("1. In addition, he said that Serbia needs good cooperation with NATO, and that no "
            "one can convince him that Jens Stoltenberg hates Serbia.")
    lines = wrap(long, 40).splitlines()
    assert all(len(line) <= 40 for line in lines), lines
    assert lines[0].startswith("1. In addition") and lines[1].startswith("   ")
    assert " ".join(line.strip() for line in lines) == long
    source = "   Aleksandar Vucic said · seeds/nato-serbia-kosovo-security-forces.txt, paragraph 3"
    assert wrap(source, 40).splitlines() == [
        "   Aleksandar Vucic said ·", "   seeds/nato-serbia-kosovo-security-forces.txt,",
        "   paragraph 3"]  # a word wider than the terminal stays whole
    assert wrap(source, 100) == source


def test_wrap_counts_columns_not_codes_and_keeps_a_table_aligned() -> None:
    styled = format_answer(Answer("When was the lighthouse built?", (HIT,), False), color=True)
    lines = wrap(styled, 30).splitlines()
    assert max(columns_of(line) for line in lines) <= 30
    assert len(lines) > 3 and all(line.startswith("   ") for line in lines[1:])
    assert columns_of(f"{BOLD}日本{RESET}e\u0301") == 5  # wide characters 2, a combining mark 0
    table = wrap(Terminal("  :k N              show N sentences per answer (now 3)"), 40)
    assert table.splitlines() == ["  :k N              show N sentences per",
                                  "                    answer (now 3)"]
