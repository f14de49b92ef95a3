"""Fuzzing every surface with hostile input (issue 16): names, bytes, questions, config, links.

Each test runs one target of tests/fuzz/targets.py for its bounded example count, checking the
invariants in tests/fuzz/harness.py. A target that still fails on a known finding is an
expected failure naming it (not strict, so it turns green when fixed); such a run stops at the
first failing example and does not shrink it. Longer runs: `make fuzz`, or
`python benchmarks/fuzz.py --examples N`.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from tests.fuzz.harness import Workspace
from tests.fuzz.targets import TARGETS

pytestmark = pytest.mark.slow

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
           HealthCheck.filter_too_much, HealthCheck.data_too_large,
           HealthCheck.large_base_example]


def _fuzz(name: str) -> Any:
    """The test of target `name`: its example count, and xfail when it has a known finding."""
    target = TARGETS[name]
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    if not target.known:
        phases.append(Phase.shrink)

    @settings(max_examples=target.examples, deadline=None, phases=phases,
              suppress_health_check=_HEALTH)
    @given(args=target.strategy)
    def test(ws: Workspace, args: tuple[Any, ...]) -> None:
        target.check(ws, *args)

    for case in target.explicit:
        test = example(args=case)(test)

    if target.known:
        test = pytest.mark.xfail(strict=False, reason=target.known)(test)
    test.__name__ = f"test_{name.replace('-', '_')}"
    test.__doc__ = target.check.__doc__
    return test


test_names = _fuzz("names")
test_names_hostile = _fuzz("names-hostile")
test_names_undecodable = _fuzz("names-undecodable")
test_bytes_read = _fuzz("bytes-read")
test_bytes_index = _fuzz("bytes-index")
test_text_hostile = _fuzz("text-hostile")
test_questions = _fuzz("questions")
test_questions_cli = _fuzz("questions-cli")
test_questions_bidi = _fuzz("questions-bidi")
test_questions_undecodable = _fuzz("questions-undecodable")
test_chat = _fuzz("chat")
test_question_files = _fuzz("question-files")
test_question_files_cr = _fuzz("question-files-cr")
test_question_files_echo = _fuzz("question-files-echo")
test_question_files_undecodable = _fuzz("question-files-undecodable")
test_config = _fuzz("config")
test_config_cli = _fuzz("config-cli")
test_config_echo = _fuzz("config-echo")
test_config_infinite = _fuzz("config-infinite")
test_config_nested = _fuzz("config-nested")
test_links = _fuzz("links")


def test_every_target_has_a_test() -> None:
    tests = {n for n in globals() if n.startswith("test_")} - {"test_every_target_has_a_test"}
    assert tests == {f"test_{name.replace('-', '_')}" for name in TARGETS}
