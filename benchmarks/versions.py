"""The versions a benchmark ran with, printed under its table so a figure names its set-up
(installed by `make` from requirements.lock)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

MEASURED_WITH = ("torch", "sentence-transformers", "transformers", "onnxruntime", "numpy",
                 "usearch", "tokenizers")


def versions() -> str:
    """`torch 2.13.0+cpu, sentence-transformers 6.2.0, ...` for the packages that set speed."""
    found = []
    for name in MEASURED_WITH:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)
