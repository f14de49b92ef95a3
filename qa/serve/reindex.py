"""Re-index in a child process, at low priority, so the server's answers keep their speed.

Bringing a store up to date loads torch and the full sentence-transformers model (hundreds of
MB that a server answering through the query model never needs) and keeps the cores busy for
a while. In a child process that memory is returned when it exits, and at nice 19 the cores go
to the server's questions first. The server then only loads the finished store.

    python -m qa.serve.reindex '{"corpus": [...], "store": ..., ...}'
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from qa.config import Settings, load_settings
from qa.errors import QAError

NICE = 19  # the lowest priority: the server's questions (and everything else) go first
# The child takes at most one core, so the server's questions keep the others even when nice
# alone does not hold it back: it is bound to one core (main), and every thread pool it may
# start (OpenMP under torch, MKL, OpenBLAS, the tokenizers' rayon) has one thread, waiting
# without spinning.
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "OMP_WAIT_POLICY": "PASSIVE", "RAYON_NUM_THREADS": "1",
              "TOKENIZERS_PARALLELISM": "false"}


def settings_json(settings: Settings) -> str:
    """`settings` as JSON that load_settings takes back (paths as absolute strings)."""
    raw: dict[str, object] = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, Path):
            value = str(value.resolve())
        elif isinstance(value, tuple):
            value = [str(Path(v).resolve()) if isinstance(v, Path) else v for v in value]
        raw[f.name] = value
    return json.dumps(raw)


def index_in_child(settings: Settings, notify: Callable[[str], None]) -> None:
    """Bring the store of `settings` up to date in a child process; QAError if it fails."""
    package_root = str(Path(__file__).resolve().parent.parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env.update(ONE_THREAD)
    result = subprocess.run([sys.executable, "-m", "qa.serve.reindex", settings_json(settings)],
                            env=env, capture_output=True, text=True, check=False)
    lines = result.stderr.strip().splitlines()
    # On failure the last line is the error: raised, not also passed on, so that it is said once.
    error = lines.pop() if result.returncode != 0 and lines else None
    for line in lines:
        if line.startswith("qa: "):
            notify(line[4:])
    if result.returncode != 0:
        raise QAError(error.removeprefix("qa: ") if error else
                      f"the indexing process stopped (exit code {result.returncode}) without "
                      "saying why - run qa index with the same settings to see")


def main(argv: list[str]) -> int:
    """The child: lower its priority, build, report errors as one line on stderr."""
    from qa.bot import Bot

    os.nice(NICE)
    try:
        # One core whatever the libraries ask for (the embedder sets torch's threads to the
        # machine's core count when it loads the model): the last one.
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass  # not Linux: the variables and nice alone hold it back
    try:
        settings = load_settings(None, **json.loads(argv[0]))
        Bot(settings=settings, notify=lambda m: print(f"qa: {m}", file=sys.stderr)).reindex()
    except QAError as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


__all__ = ["NICE", "ONE_THREAD", "index_in_child", "settings_json"]
