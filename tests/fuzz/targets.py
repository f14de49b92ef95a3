"""The fuzz targets: what each one generates, which check it runs, and what it found so far.

`examples` is the count the test suite's slow tier runs (tests/fuzz/test_fuzz.py), sized so the
whole file takes about a minute on two busy cores; benchmarks/fuzz.py runs any count. `known`
names the finding a target still fails on, with its minimal example; the test is then an
expected failure until that finding is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from tests import strategies as gen
from tests.fuzz import harness as h

SUFFIXES = tuple(sorted(gen.FORMATS))
# Which way the command runs: mostly in-process (CliRunner, ~0.1 s), one example in four as a
# real `python -m qa` process (~0.5 s). Shrinks towards in-process.
process = st.sampled_from([False, False, False, True])


@dataclass(frozen=True)
class Target:
    """One surface to fuzz: a strategy of argument tuples for `check(workspace, *args)`."""

    name: str
    strategy: SearchStrategy[tuple[Any, ...]]
    check: Callable[..., None]
    examples: int
    known: str = ""  # the finding it fails on today, "" when it should pass
    # Examples the test always tries first: the finding's minimal example, or a case that
    # must keep working. The benchmark leaves them out: it counts generated examples only.
    explicit: tuple[tuple[Any, ...], ...] = ()


ISSUE = "issue 16"
TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("names", st.tuples(gen.file_names(SUFFIXES), st.booleans(), process),
           h.check_file_name, 8,
           explicit=((b"notes 2024 (final) v2.txt", False, False),
                     (b"a" * 251 + b".txt", True, False))),
    Target("names-hostile", st.tuples(gen.hostile_names(SUFFIXES), st.booleans(), process),
           h.check_file_name, 6,
           f"{ISSUE} finding 1: the source path reaches the terminal unsanitised; minimal "
           "example: a file named '\\x01.txt' prints a raw \\x01 in `qa -q`",
           explicit=((b"evil\n\x1b[31mRED\x1b[0m\x1b]0;pwned\x07.txt", False, False),)),
    Target("names-undecodable", st.tuples(gen.undecodable_names(SUFFIXES), st.booleans(),
                                          process),
           h.check_file_name, 5,
           "fuzz finding (new): a file name that is not UTF-8 and gives the title (no short "
           "first line) makes `qa index` end in TypeError from the tokenizer (a surrogate in "
           "the title); with a title from the text, the answer's source path is printed as "
           "raw invalid UTF-8, and is a UnicodeEncodeError traceback under a strict UTF-8 "
           "locale; minimal example: b'\\x80.txt'",
           explicit=((b"\x80.txt", False, False), (b"caf\xe9.txt", True, False))),
    Target("bytes-read", gen.documents(huge=True), h.check_read, 100,
           explicit=((".txt", b"a" * 200_000), (".md", b"\xff\xfeh\x00i\x00"))),
    Target("bytes-index", st.tuples(gen.documents(huge=False), process).map(
        lambda t: (*t[0], t[1], False, False)), h.check_indexed_bytes, 5),
    Target("text-hostile", st.tuples(
        st.sampled_from(SUFFIXES), gen.sprinkled(gen.real_text, gen.hostile_pieces, 20).map(
            str.encode), process, st.booleans(), st.just(True)), h.check_indexed_bytes, 4,
           f"{ISSUE} 'one sanitiser': document text is shown with its bidi overrides in text "
           "mode, and --json leaves C1 controls, DEL and bidi overrides raw in hit text, "
           "context and title (JSON escapes only C0); minimal example: a .txt file "
           "'\\x9bTitle\\n\\nThe harbour is deep.' asked '\\x9bTitle' --json",
           explicit=((".txt", b"\xc2\x9bTitle\n\nThe harbour is deep.", False, True, True),)),
    Target("questions", st.tuples(gen.questions, st.one_of(st.none(), st.integers(-2, 10**6))),
           h.check_ask, 100),
    Target("questions-cli", st.tuples(gen.questions, st.booleans(), process, st.just(False)),
           h.check_one_shot, 15),
    Target("questions-bidi", st.tuples(
        gen.sprinkled(gen.real_words, st.sampled_from(gen.BIDI)).filter(
            lambda q: any(ch in q for ch in gen.BIDI)), st.just(True), process, st.just(True)),
           h.check_one_shot, 5,
           f"{ISSUE} 'one sanitiser': bidi overrides in a question are echoed raw by --json; "
           "minimal example: `qa --json -q 'a\\u202e'`",
           explicit=(("a\u202e", True, False, True),)),
    Target("questions-undecodable", st.tuples(gen.undecodable_questions, st.booleans(),
                                              process, st.just(False)),
           h.check_one_shot, 5,
           "fuzz finding (new): a -q argument that is not UTF-8 (surrogate-escaped by Python) "
           "ends in TypeError from the query tokenizer; minimal example: qa -q $'\\x80'",
           explicit=(("\udc80", False, False, False),)),
    Target("chat", st.tuples(gen.chat_lines), h.check_chat, 15),
    Target("question-files", st.tuples(gen.question_files(), st.booleans(), st.booleans(),
                                       process, st.just(False)), h.check_question_file, 10),
    Target("question-files-cr", st.tuples(
        gen.question_files(st.sampled_from(["who", "harbour", "what did Stoltenberg say?"]),
                           endings=(b"\r",)), st.booleans(), st.just(True), st.just(True),
        st.just(False)), h.check_question_file, 3,
           explicit=((b"who\rwho", False, True, True, False),)),
    Target("question-files-echo", st.tuples(gen.question_files(gen.echoed_questions),
                                            st.booleans(), st.booleans(), process,
                                            st.just(True)), h.check_question_file, 5,
           f"{ISSUE} 'one sanitiser' (a case found by fuzzing): a refused --questions line "
           "is echoed raw in its JSON error line, C1 controls and DEL included (JSON escapes "
           "only C0); minimal example: a line holding only '\\x9b'",
           explicit=((b"\xc2\x9b", False, True, False, True),)),
    Target("question-files-undecodable", st.tuples(gen.undecodable_question_files,
                                                   st.booleans(), st.booleans(), process,
                                                   st.just(False)),
           h.check_question_file, 5,
           f"{ISSUE} finding 2: invalid UTF-8 in --questions ends in UnicodeDecodeError; "
           "minimal example: a file holding the one byte b'\\x80'",
           explicit=((b"\x80", False, True, False, False),)),
    Target("config", st.tuples(gen.config_files()), h.check_config_load, 150),
    Target("config-cli", st.tuples(gen.config_files(), process), h.check_config_run, 20),
    Target("config-echo", st.tuples(gen.config_echoes, process), h.check_config_run, 4,
           f"{ISSUE} 'one sanitiser' (config values echoed in errors): an unknown key is "
           "echoed with its bidi overrides, and a value is echoed whole, so a 200-byte YAML "
           "alias bomb (a million leaves) makes a 5 MB error message (a bigger bomb, memory "
           "and time without bound); minimal examples: '\\u202ex: 1', and "
           "tests.strategies.alias_bomb(10, 6, 'model')",
           explicit=(("\u202ex: 1\n".encode(), False),
                     (gen.alias_bomb(10, 6, "model").encode(), False))),
    Target("config-infinite", st.tuples(gen.non_finite_configs, process), h.check_config_run,
           4,
           "fuzz finding (new): 'max_file_mb: .inf' in config.yaml ends in OverflowError "
           "(Settings.max_file_bytes: int(inf)); minimal example: 'max_file_mb: .inf'",
           explicit=((b"max_file_mb: .inf\n", False),)),
    Target("config-nested", st.tuples(gen.nested_configs(), process), h.check_config_run, 4,
           "fuzz finding (new): a config.yaml nested about 1,000 deep ends in RecursionError "
           "from PyYAML; minimal example: 'k: ' + '[' * 1000 + ']' * 1000",
           explicit=((b"k: " + b"[" * 1000 + b"]" * 1000, False),)),
    Target("links", st.tuples(gen.file_names(SUFFIXES), st.sampled_from(h.LINK_KINDS), process),
           h.check_link, 8,
           f"{ISSUE} finding 3: a symlink out of the corpus is followed and answered from; "
           "minimal example: corpus/links/0.txt -> ../outside/canary.txt",
           explicit=((b"0.txt", "file-relative", False),)),
]}

# Findings fixed since the harness found them: the targets run as plain tests again, their
# `known` text kept as the record of what they found, their explicit examples as regressions.
FIXED = ("text-hostile", "questions-bidi", "questions-undecodable", "question-files-echo",
         "question-files-undecodable", "config-echo", "config-infinite", "config-nested",
         "links", "names-hostile", "names-undecodable")
TARGETS.update({name: replace(TARGETS[name], known="") for name in FIXED})

__all__ = ["FIXED", "SUFFIXES", "TARGETS", "Target"]
