"""A longer fuzzing run of every target in tests/fuzz/targets.py, counting what it finds.

    .venv/bin/python benchmarks/fuzz.py                      # 200 examples per target
    .venv/bin/python benchmarks/fuzz.py --examples 1000 --only names,config
    .venv/bin/python benchmarks/fuzz.py --shrink             # minimise each failure found

Unlike the test suite, a run does not stop at the first failure: every example is tried, each
failure is grouped by the invariant it broke (and, for a traceback, the exception and the
deepest frame in qa), and the smallest example of each group is kept. With --shrink, hypothesis
then minimises one example per group (a few hundred more runs each). Prints one markdown table
(target, examples tried, failures found, distinct failures, seconds, known finding) and the
smallest example of each distinct failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("NO_COLOR", "1")

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis.errors import NoSuchExample, Unsatisfiable

from tests.fuzz.harness import Violation, Workspace, crash_site
from tests.fuzz.targets import SUFFIXES, TARGETS, Target

_HEALTH = list(HealthCheck)


@dataclass
class Tally:
    """What a target's run found: examples tried, failures, and the smallest example of each."""

    tried: int = 0
    failed: int = 0
    groups: dict[str, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    seconds: float = 0.0


def signature(exc: BaseException) -> str:
    """The failure's group: the invariant broken, or the exception the harness itself raised."""
    if isinstance(exc, Violation):
        return exc.invariant
    import traceback

    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return f"harness error ({crash_site(tb)})"


def _outcome(target: Target, ws: Workspace, example: tuple[Any, ...]) -> BaseException | None:
    try:
        target.check(ws, *example)
    except (Violation, Exception) as exc:
        if type(exc).__name__ == "UnsatisfiedAssumption":  # hypothesis.reject()
            raise
        return exc
    return None


def run(target: Target, ws: Workspace, examples: int) -> Tally:
    tally = Tally()

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=_HEALTH)
    @given(example=target.strategy)
    def explore(example: tuple[Any, ...]) -> None:
        exc = _outcome(target, ws, example)
        tally.tried += 1
        if exc is None:
            return
        tally.failed += 1
        key = signature(exc)
        shown = repr(example)
        if key not in tally.groups or len(shown) < len(tally.groups[key][0]):
            tally.groups[key] = (f"{shown[:400]}\n      -> {str(exc)[:300]}", example)

    started = time.perf_counter()
    try:
        explore()
    except Unsatisfiable:
        pass
    tally.seconds = time.perf_counter() - started
    return tally


def shrink(target: Target, ws: Workspace, key: str, budget: int) -> str:
    """A minimal example that fails in the group `key`, by hypothesis's shrinker."""
    def fails(example: tuple[Any, ...]) -> bool:
        exc = _outcome(target, ws, example)
        return exc is not None and signature(exc) == key

    try:
        example = find(target.strategy, fails, settings=settings(
            max_examples=budget, deadline=None, database=None, suppress_health_check=_HEALTH))
    except (NoSuchExample, Unsatisfiable):
        return "(not found again within the budget)"
    return repr(example)[:400]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per target")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--shrink", action="store_true", help="minimise one example per group")
    parser.add_argument("--shrink-budget", type=int, default=300)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(TARGETS)
    unknown = sorted(set(names) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target {unknown[0]}; targets: {', '.join(TARGETS)}")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qa-fuzz-") as tmp:
        ws = Workspace(Path(tmp), SUFFIXES)
        setup = time.perf_counter() - started
        print(f"workspace ready in {setup:.1f} s (model loaded, store built)", file=sys.stderr)
        tallies: dict[str, Tally] = {}
        for name in names:
            tally = tallies[name] = run(TARGETS[name], ws, args.examples)
            print(f"{name}: {tally.tried} tried, {tally.failed} failed, "
                  f"{len(tally.groups)} distinct, {tally.seconds:.1f} s", file=sys.stderr)
        minimal: dict[tuple[str, str], str] = {}
        if args.shrink:
            for name, tally in tallies.items():
                for key in tally.groups:
                    minimal[name, key] = shrink(TARGETS[name], ws, key, args.shrink_budget)
        ws.close()

    print("| target | examples tried | failures | distinct | seconds | known finding |")
    print("|---|---:|---:|---:|---:|---|")
    for name, tally in tallies.items():
        known = TARGETS[name].known.split(":")[0] if TARGETS[name].known else ""
        print(f"| {name} | {tally.tried} | {tally.failed} | {len(tally.groups)} | "
              f"{tally.seconds:.0f} | {known} |")
    print(f"\ntotal {time.perf_counter() - started:.0f} s, of which setup {setup:.0f} s\n")
    for name, tally in tallies.items():
        for key, (shown, _) in sorted(tally.groups.items()):
            print(f"- {name} / {key}\n      smallest seen: {shown}")
            if (name, key) in minimal:
                print(f"      shrunk: {minimal[name, key]}")


if __name__ == "__main__":
    main()
