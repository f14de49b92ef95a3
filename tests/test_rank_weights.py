"""The shipped weights, pinned: changing qa/rank/weights.py shows here, and so must a new fit
(benchmarks/fit.py prints the weights in the form weights.py holds them)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import asdict, fields
from types import ModuleType

from qa.rank import Features, Weights

from .conftest import ROOT

SHIPPED = {
    "dense": 0.137, "lexical": 0.013, "title": 0.169, "document_dense": 0.337,
    "lead": 0.028, "kind": 0.011, "focus": 0.081, "focus_coverage": 0.079,
    "document_coverage": 0.145, "speaker": 0.177, "passed": 0.08,
    "margin": 1.0, "unmet": 0.4, "focus_confidence": 0.2, "title_confidence": 0.3,
}


def _fit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fit", ROOT / "benchmarks" / "fit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fit"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_shipped_weights_are_the_fitted_ones() -> None:
    assert asdict(Weights()) == SHIPPED
    fusion = [f.name for f in fields(Features)]
    assert abs(sum(SHIPPED[n] for n in fusion if n not in ("speaker", "passed")) - 1.0) < 0.002


def test_fit_prints_the_weights_as_weights_py_holds_them() -> None:
    fit = _fit()
    source = (ROOT / "qa" / "rank" / "weights.py").read_text(encoding="utf-8").splitlines()
    lines = fit.weights_lines(Weights())
    assert len(lines) == len(fields(Weights))
    for line in lines:
        assert line in source, line
    assert fit.NAMES == [f.name for f in fields(Features)]  # the fit searches every feature


def test_the_reply_thresholds_are_the_fitted_ones() -> None:
    # benchmarks/fit.py --replies prints them (qa.rank.about.reply)
    from qa.config import Settings, load_settings
    from qa.rank import weights

    fitted = {"ABOUT_WINDOW": 1, "ABOUT_POWER": 1.0, "NAMED_MISSING": 0.0,
              "ASKED_MISSING": 0.0, "UNSEEN_POWER": 3.0, "CONFIDENT_FROM": 0.69,
              "SURE_PLACES": 1}
    assert {name: getattr(weights, name) for name in fitted} == fitted
    assert Settings().abstain_threshold == 0.40
    assert load_settings(ROOT / "config.yaml").abstain_threshold == 0.40
