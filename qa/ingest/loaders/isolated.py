"""Reading risky formats (PDF, Word, HTML) in a worker process, with a deadline and a memory cap.

A parser stuck in a loop on a hostile PDF, or inflating a zip bomb, cannot be stopped from
inside the process: a thread cannot be killed and page or size caps do not bound C code. So
these formats are read by one long-lived child process (started on the first such file, reused
for the rest, ~0.1 s to start); a file that is not read within EXTRACT_SECONDS, or that needs
more than WORKER_MEMORY_BYTES, is skipped with a reason and the child is replaced. The heavy
libraries (pypdfium2, selectolax) are imported only in the child, so the process answering
questions never pays their import or their memory.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from qa.ingest.files import SkipFile
from qa.ingest.loaders.base import Loaded, Location

# A PDF is read at 100-200 pages/s (benchmarks/ingest.py), so the 20 MB default size limit
# (max_file_mb) of a text-heavy PDF, ~2,000 pages, takes well under this; a file taking longer
# is stuck, not slow.
EXTRACT_SECONDS = 60.0
# Address space of the worker: Python, PDFium and the largest file's parse fit in well under
# this; an inflating bomb or a runaway parse does not.
WORKER_MEMORY_BYTES = 2 * 2**30
_HEADER = struct.Struct("!Q")


class IsolatedLoader:
    """A loader that runs `module.cls` (a Loader) in the worker process."""

    def __init__(self, module: str, cls: str, suffixes: tuple[str, ...], kind: str) -> None:
        self.module = module
        self.cls = cls
        self.suffixes = suffixes
        self.kind = kind  # how a user names the format: "PDF"

    def load(self, path: Path, data: bytes) -> Loaded:
        with _LOCK:  # one request at a time on the worker's pipes
            return _worker().run((self.module, self.cls, str(path), data))


class _Worker:
    """The child process and the pipes to it."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[3])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH", "")) if p))
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env)

    def run(self, request: tuple[str, str, str, bytes]) -> Loaded:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            _send(self.process.stdin, request)
            reply = _receive(self.process.stdout, time.monotonic() + EXTRACT_SECONDS)
        except TimeoutError:
            self.stop()
            raise SkipFile(f"took over {EXTRACT_SECONDS:g} s to read - left out (a damaged or "
                           "hostile file?)") from None
        except (OSError, EOFError, pickle.UnpicklingError):
            self.stop()
            raise SkipFile("crashed the reader for its format - left out (a damaged or "
                           "hostile file?)") from None
        status, *rest = reply
        if status == "skip":
            raise SkipFile(str(rest[0]))
        text, title, places = rest
        return Loaded(text, title, {o: Location(p, tuple(h)) for o, p, h in places})

    def stop(self) -> None:
        global _WORKER
        self.process.kill()
        self.process.wait()
        if _WORKER is self:
            _WORKER = None

    def alive(self) -> bool:
        return self.process.poll() is None


_WORKER: _Worker | None = None
_LOCK = threading.Lock()


def _worker() -> _Worker:
    global _WORKER
    if _WORKER is None or not _WORKER.alive():
        _WORKER = _Worker()
    return _WORKER


@atexit.register
def _stop_worker() -> None:
    if _WORKER is not None:
        _WORKER.stop()


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes], deadline: float) -> Any:
    """One message from the child, waiting no later than `deadline` (TimeoutError)."""
    fd = stream.fileno()
    buffer = bytearray()
    need = _HEADER.size
    size = None
    while len(buffer) < need:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        block = os.read(fd, min(need - len(buffer), 1 << 20))
        if not block:
            raise EOFError
        buffer += block
        if size is None and len(buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack(buffer[: _HEADER.size])
            need = _HEADER.size + size
    return pickle.loads(bytes(buffer[_HEADER.size :]))


# The child: `qa` and `qa.ingest` are made bare packages first, so that importing a loader does
# not import all of qa (numpy, the bot) - starting the worker takes 0.1 s instead of 0.6 s.
_BOOT = """
import importlib.util, sys, types
from pathlib import Path
spec = importlib.util.find_spec('qa')
base = Path(spec.submodule_search_locations[0])
for name, folder in (('qa', base), ('qa.ingest', base / 'ingest'),
                     ('qa.ingest.loaders', base / 'ingest' / 'loaders')):
    module = types.ModuleType(name)
    module.__path__ = [str(folder)]
    sys.modules[name] = module
from qa.ingest.loaders.isolated import serve
serve()
"""


def serve() -> None:
    """The worker's loop: read a request, run its loader, reply; until stdin closes."""
    import importlib
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ValueError, OSError):
        pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(header)
        module, cls, path, data = pickle.loads(stdin.read(size))
        reply: tuple[Any, ...]
        try:
            loader = getattr(importlib.import_module(module), cls)()
            loaded = loader.load(Path(path), data)
            places = [(o, loc.page, list(loc.headings)) for o, loc in loaded.locations.items()]
            reply = ("ok", loaded.text, loaded.title, places)
        except SkipFile as exc:
            reply = ("skip", str(exc))
        except MemoryError:
            reply = ("skip", (f"needs over {WORKER_MEMORY_BYTES / 2**30:g} GB of memory to "
                              "read - left out (a zip bomb or hostile file?)"))
        except RecursionError:
            reply = ("skip", "is nested too deeply to read")
        except Exception as exc:  # noqa: BLE001 - any parser failure is a damaged file
            reply = ("skip", f"could not be read ({type(exc).__name__}: {str(exc)[:120]})")
        del data
        _send(stdout, reply)


__all__ = ["EXTRACT_SECONDS", "IsolatedLoader", "serve"]
