"""The shared word lists and patterns: alternations, lazy patterns, import cost."""

from __future__ import annotations

import re
import subprocess
import sys

from qa.text import (
    ATTRIBUTION_VERBS,
    NAME_TOKEN,
    SPEECH_VERBS,
    WORD,
    LazyPattern,
    alternation,
    normal,
)


def test_alternation_prefers_the_longer_word() -> None:
    pattern = re.compile(rf"(?:{alternation(['pointed', 'pointed out'])})")
    assert pattern.match("pointed out that").group() == "pointed out"
    assert re.fullmatch(alternation(["a.b"]), "axb") is None  # words are escaped


def test_lazy_pattern_compiles_on_first_use_and_matches_like_re() -> None:
    lazy = LazyPattern(r"\bab+", re.IGNORECASE)
    text = "Abb, ab and cab"
    assert [m.group() for m in lazy.finditer(text)] == ["Abb", "ab"]
    assert lazy.findall(text) == re.findall(r"\bab+", text, re.IGNORECASE)
    assert lazy.sub("x", text) == "x, x and cab"
    assert lazy.compiled is lazy.compiled  # compiled once


def test_word_patterns() -> None:
    assert WORD.findall("Vucic’s view, co-founder_x") == ["Vucic’s", "view", "co", "founder", "x"]
    assert NAME_TOKEN.findall("Jean-Claude’s and Jones’ x_y") == [
        "Jean-Claude’s", "and", "Jones", "x_y"]


def test_lists_keep_their_documented_differences() -> None:
    assert SPEECH_VERBS < ATTRIBUTION_VERBS and "warns" in ATTRIBUTION_VERBS - SPEECH_VERBS


def test_normal() -> None:
    assert normal("“We  will.”") == normal("we will") == "we will"


def test_importing_qa_compiles_no_speaker_patterns() -> None:
    """A one-shot question must not pay for the patterns only indexing uses."""
    probe = (
        "import sys, re._compiler as c\n"
        "seen = []\n"
        "orig = c.compile\n"
        "def spy(p, flags=0):\n"
        "    f = sys._getframe(1)\n"
        "    while f.f_globals.get('__name__', '').startswith('re'):\n"
        "        f = f.f_back\n"
        "    seen.append(f.f_globals.get('__name__', ''))\n"
        "    return orig(p, flags)\n"
        "c.compile = spy\n"
        "import qa\n"
        "print(sorted(m for m in seen if m.startswith('qa.knowledge')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['qa.knowledge.acronyms']"  # ACRONYM_TOKEN, used by every question
