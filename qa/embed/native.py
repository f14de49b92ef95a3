"""onnxruntime and usearch: two native libraries that load in one order only.

usearch's compiled module links its own copy of the C++ standard library and exports that
copy's locale facet ids as GNU unique symbols, which the dynamic loader binds process-wide
even though Python loads extensions privately. onnxruntime loaded after it binds to those ids
and crashes the process while importing (SIGSEGV in its module's static initialisers, inside
std::codecvt; every time, usearch 2.26.6 with onnxruntime 1.32.0; `nm -D` lists 107 such
symbols in usearch/compiled*.so). Loaded the other way round, both work.

So qa reaches the two libraries only through the functions below, and `usearch_index` loads
onnxruntime first whenever it is installed. A program that imports usearch itself before
qa's first question will crash the same way; import qa's vectors (or onnxruntime) first.
"""

from __future__ import annotations

import contextlib
import importlib
from types import ModuleType
from typing import Any


def onnxruntime() -> ModuleType:
    """The onnxruntime module (safe to load first)."""
    return importlib.import_module("onnxruntime")


def ort_errors() -> tuple[type[BaseException], ...]:
    """What onnxruntime raises for a model it cannot load or run (its own exception classes,
    none of which derives from a standard error)."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    names = ("Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError",
             "RuntimeException", "InvalidProtobuf", "ModelLoaded", "NotImplemented",
             "InvalidGraph", "EPFail")
    return tuple(getattr(state, n) for n in names if hasattr(state, n))


def usearch_index() -> Any:
    """usearch's Index class, loaded after onnxruntime (see the module docstring)."""
    with contextlib.suppress(ImportError):  # without onnxruntime there is nothing to protect
        onnxruntime()
    from usearch.index import Index

    return Index


__all__ = ["onnxruntime", "ort_errors", "usearch_index"]
