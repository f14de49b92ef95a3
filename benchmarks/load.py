"""Load on `qa serve`: the BBC corpus over loopback, the BBC dev questions, one command.

    .venv/bin/python benchmarks/load.py          # about 3 minutes on 2 cores (wrap in flock)
    .venv/bin/python benchmarks/load.py --quick  # shorter phases, for trying it out

Prints one markdown table. What is measured:
- (a) steady load: 32 clients, each asking one question every 2 s (16 a second offered) for
  60 s, with one re-index in the middle (a file of the corpus changed, POST /api/reindex):
  p50 and p95 latency as the clients see it, failed requests (any status but 200, any
  connection error), the server's resident memory before and after, and how long the
  re-index took to be swapped in. Target: p95 <= 150 ms, no failures, no growth.
- (b) saturation: clients asking back to back for 30 s; questions per second served, against
  the same Bot answering the same questions in a plain loop in this process, measured in the
  same run just before. Target: the server delivers at least 80% of the loop's rate.

The server is a real `qa serve` process (uvicorn) with a token and no per-client rate limit
(all clients share 127.0.0.1, which the limit would otherwise throttle as one). It answers from
a copy of the cached BBC store (benchmarks/.cache/bbc/store, built by benchmarks/quality.py)
plus one small file of our own in a temporary folder, which is the file changed mid-run: the
cached store and ../shared are only read. Needs ../shared (skips cleanly without it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from versions import versions

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVED_WITH = ("starlette", "uvicorn", "anyio", "httpx")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED = ROOT.parent / "shared"
BBC = SHARED / "corpora" / "bbc-news" / "news"
QUESTIONS = SHARED / "eval" / "bbc_dev.jsonl"
CACHED_STORE = Path(__file__).resolve().parent / ".cache" / "bbc" / "store"
TOKEN = "load-benchmark-token"
EXTRA = ("Harbour notes\n\nThe Portmill harbour wall was built in 1887 and cracked in three "
         "places.\n\nThe lighthouse road will close for six weeks.\n")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def questions() -> list[str]:
    return [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def plain_loop(corpus: list[str], store: Path, asked: list[str], seconds: float) -> float:
    """Questions per second of one in-process Bot asking `asked` round and round."""
    from qa import Bot

    bot = Bot.from_config(ROOT / "config.yaml", corpus=corpus, store=str(store), notify=log)
    for q in asked:  # warm: the query model's fast session, the pages of the store
        bot.ask(q)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        bot.ask(asked[done % len(asked)])
        done += 1
    return done / (time.perf_counter() - started)


async def steady(url: str, asked: list[str], clients: int, interval: float, seconds: float,
                 extra: Path, pid: int) -> dict[str, float]:
    """Phase (a): `clients` each asking every `interval` s; a re-index half way through."""
    import httpx

    latencies: list[float] = []
    sent: list[float] = []  # when each request left, to split the figures around the re-index
    window = [0.0, 0.0]  # the re-index: requested, swapped in
    failed = 0
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30,
                                 limits=limits) as http:
        start = time.perf_counter() + 0.5

        async def client(n: int) -> None:
            nonlocal failed
            tick = start + n * interval / clients  # spread evenly over the interval
            i = n
            while tick < start + seconds:
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                began = time.perf_counter()
                try:
                    r = await http.post("/api/ask", json={"question": asked[i % len(asked)]})
                    ok = r.status_code == 200 and "hits" in r.json()
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - began) * 1000)
                sent.append(began)
                failed += not ok
                i += clients
                tick += interval

        async def reindex() -> float:
            await asyncio.sleep(seconds / 2)
            extra.write_text(EXTRA + "\nThe council changed the plan on the second day.\n",
                             encoding="utf-8")
            began = window[0] = time.perf_counter()
            r = await http.post("/api/reindex")
            assert r.status_code == 202, r.text
            while (await http.get("/api/ready")).json()["generation"] < 2:
                await asyncio.sleep(0.1)
            window[1] = time.perf_counter()
            return window[1] - began

        *_, swap = await asyncio.gather(*(client(n) for n in range(clients)), reindex())
        ready = (await http.get("/api/ready")).json()
    during = [ms for ms, t in zip(latencies, sent, strict=True) if window[0] <= t <= window[1]]
    outside = [ms for ms, t in zip(latencies, sent, strict=True)
               if not window[0] <= t <= window[1]]
    return {"requests": len(latencies), "failed": failed, "p50": percentile(latencies, 50),
            "p95_outside": percentile(outside, 95), "p95_during": percentile(during or [0], 95),
            "n_during": len(during),
            "p95": percentile(latencies, 95), "max": max(latencies), "swap_s": swap,
            "generation": ready["generation"], "rss_after": rss_mb(pid)}


async def saturate(url: str, asked: list[str], clients: int, seconds: float) -> dict[str, float]:
    """Phase (b): `clients` asking back to back; answered questions per second."""
    import httpx

    done = failed = 0
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        for q in asked[:4]:
            await http.post("/api/ask", json={"question": q})
        began = time.perf_counter()

        async def client(n: int) -> None:
            nonlocal done, failed
            i = n
            while time.perf_counter() - began < seconds:
                r = await http.post("/api/ask", json={"question": asked[i % len(asked)]})
                done += r.status_code == 200
                failed += r.status_code != 200
                i += clients

        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - began
    return {"qps": done / elapsed, "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 s and 10 s phases")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--saturation-clients", type=int, default=4)
    args = parser.parse_args()
    if not BBC.is_dir() or not QUESTIONS.is_file():
        print(f"skipped: needs {BBC} and {QUESTIONS}")
        return 0
    if not (CACHED_STORE / "CURRENT").is_file():
        print(f"skipped: no cached BBC store in {CACHED_STORE} - run benchmarks/quality.py "
              "--only=bbc first")
        return 0
    steady_s, saturate_s, loop_s = (20, 10, 10) if args.quick else (60, 30, 30)
    load_before = os.getloadavg()[0]
    asked = questions()
    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        work = Path(tmp)
        store = work / "store"
        shutil.copytree(CACHED_STORE, store, ignore=shutil.ignore_patterns("tmp-*", "lock"))
        extra_dir = work / "extra"
        extra_dir.mkdir()
        extra = extra_dir / "harbour-notes.txt"
        extra.write_text(EXTRA, encoding="utf-8")
        corpus = [str(BBC), str(extra_dir)]
        log("plain loop (and bringing the store copy up to date) ...")
        loop_qps = plain_loop(corpus, store, asked, loop_s)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, PYTHONPATH=str(ROOT), QA_LOAD_TOKEN=TOKEN)
        command = [sys.executable, "-m", "qa", "serve", "--port", str(port), "--rate", "0",
                   "--token-env", "QA_LOAD_TOKEN", "--config", str(ROOT / "config.yaml"),
                   "--store", str(store)] + [x for c in corpus for x in ("--corpus", c)]
        server = subprocess.Popen(command, env=env, cwd=work)
        try:
            import httpx

            deadline = time.monotonic() + 600
            while True:
                try:
                    if httpx.get(f"{url}/api/ready", headers={"Authorization":
                                 f"Bearer {TOKEN}"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("qa serve did not become ready")
                time.sleep(0.5)
            for q in asked:  # warm, as the loop was
                httpx.post(f"{url}/api/ask", json={"question": q},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
            rss_before = rss_mb(server.pid)
            log(f"(a) {args.clients} clients, one question each every 2 s, {steady_s} s ...")
            a = asyncio.run(steady(url, asked, args.clients, 2.0, steady_s, extra, server.pid))
            log(f"(b) {args.saturation_clients} clients back to back, {saturate_s} s ...")
            b = asyncio.run(saturate(url, asked, args.saturation_clients, saturate_s))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
    ratio = b["qps"] / loop_qps
    rows = [
        ("(a) requests answered / failed", f"{a['requests'] - a['failed']:,} / {a['failed']:,}",
         "0 failed"),
        ("(a) latency p50", f"{a['p50']:.0f} ms", ""),
        ("(a) latency p95", f"{a['p95']:.0f} ms", "<= 150 ms"),
        ("(a) latency max", f"{a['max']:.0f} ms", ""),
        ("(a) p95 outside / during the re-index",
         f"{a['p95_outside']:.0f} / {a['p95_during']:.0f} ms ({a['n_during']} during)", ""),
        ("(a) re-index swapped in after", f"{a['swap_s']:.1f} s (generation {a['generation']})",
         ""),
        ("(a) server RSS before / after", f"{rss_before:.0f} / {a['rss_after']:.0f} MB",
         "no growth"),
        ("(b) server, back to back", f"{b['qps']:.1f} q/s ({b['failed']} failed)", ""),
        ("(b) same Bot, plain loop", f"{loop_qps:.1f} q/s", ""),
        ("(b) server / loop", f"{ratio:.0%}", ">= 80%"),
    ]
    print(f"qa serve under load: BBC corpus, {len(asked)} dev questions, loopback, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    print(f"\n{versions()}, {', '.join(f'{n} {version(n)}' for n in SERVED_WITH)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
