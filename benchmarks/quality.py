"""Answer-quality benchmark: qa against BM25-only and dense-only baselines, same model, same data.

    .venv/bin/python benchmarks/quality.py            # prints a Markdown table
    ... --only=seed,bbc   # some sets;  --dump=FILE   qa's top 5 per question as JSON Lines

Data sets (from ../shared; the benchmark skips cleanly when it is missing):
- WikiQA pooled: every unique sentence of WikiQA-test.tsv in one corpus, one document per
  DocumentID whose first line is its title; 243 answerable questions, reported for the
  even-numbered questions (Q0, Q2, ... - the half weights and thresholds were fitted on), the
  odd-numbered half (held out) and all. Answer triggering F1 is over all 633 questions.
- the seed article with eval/seed_dev.jsonl, and the BBC news corpus with eval/bbc_dev.jsonl.
- the held-out probe rounds of benchmarks/probe/ on the seed article, the BBC news and (from round
  7, wiki_probe{7,8}.jsonl) the WikiQA documents, and the fitting sets of benchmarks/dev/.

qa runs exactly as shipped (config.yaml, abstain threshold included). The baselines rank by
raw BM25 or raw cosine; their answer-triggering F1 uses the best threshold on the test set
itself, as the issue's table does, so it flatters them. Stores are cached under
benchmarks/.cache/ and reused; embedding the BBC corpus takes minutes the first time.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from versions import versions

from qa import Bot
from qa.text import (
    clean_question,
    terms,
)
from qa.ui.evaluate import contains_gold, evaluate_file, read_questions

SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
CACHE = Path(__file__).resolve().parent / ".cache"
RANKED = 10
# The rounds of held-out probe questions (benchmarks/probe/README.md), each written after the
# changes the one before it measured: seed_probe{round}.jsonl and bbc_probe{round}.jsonl.
ROUNDS = ("", "2", "3", "4", "5", "6", "7", "8")
WIKI_ROUNDS = ("7", "8")  # wiki_probe{round}.jsonl: encyclopedia questions, from round 7


@dataclass
class Question:
    id: str
    text: str
    gold: tuple[str, ...]  # substrings (dev sets) or whole sentences (WikiQA)


@dataclass
class Run:
    """One system's ranked rows (top 10) and top score per question."""

    rows: list[list[int]]
    top: list[float]
    declined: list[bool] | None  # qa's own decision; None for baselines
    scores: list[list[float]] | None = None  # qa's hit scores, for --dump
    confidence: list[str] | None = None  # qa's kind of reply: "high", "low" or "none"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- corpora -------------------------------------------------------------------------------


def wikiqa() -> tuple[Path, list[Question]]:
    """Write the WikiQA documents once (title first line) and read its 633 questions."""
    with open(EVAL / "WikiQA-test.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    docs: dict[str, tuple[str, dict[str, str]]] = {}
    questions: dict[str, Question] = {}
    for r in rows:
        title, sentences = docs.setdefault(r["DocumentID"], (r["DocumentTitle"], {}))
        sentences.setdefault(r["SentenceID"], r["Sentence"])
        q = questions.setdefault(r["QuestionID"], Question(r["QuestionID"], r["Question"], ()))
        if r["Label"] == "1":
            q.gold += (r["Sentence"],)
    folder = CACHE / "wikiqa" / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, (title, sentences) in docs.items():
        order = sorted(sentences, key=lambda s: int(s.rsplit("-", 1)[1]))
        # A Markdown heading, so titles ending in a full stop ("S.H.I.E.L.D.") stay titles.
        text = f"# {title}\n\n" + "\n\n".join(sentences[s] for s in order) + "\n"
        path = folder / f"{doc_id}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder, list(questions.values())


def dev_set(name: str) -> list[Question]:
    out = []
    for n, turns in enumerate(read_questions(EVAL / name)):
        for t, (q, gold) in enumerate(turns):
            out.append(Question(f"{name}:{n}.{t}", q, gold))
    return out


def make_bot(name: str, corpus: Path) -> Bot:
    started = time.time()
    bot = Bot.from_config(ROOT / "config.yaml", corpus=[str(corpus)],
                          store=str(CACHE / name / "store"), notify=log)
    store = bot.store
    log(f"{name}: {store.count:,} sentences, {len(store.documents):,} documents "
        f"({time.time() - started:.0f} s)")
    return bot


# --- systems -------------------------------------------------------------------------------


def run_qa(bot: Bot, questions: list[Question]) -> Run:
    rows, top, declined, scores, confidence = [], [], [], [], []
    for q in questions:
        answer = bot.ask(q.text, k=RANKED)
        hits = list(answer.hits) or bot.retriever.search(clean_question(q.text), RANKED)
        rows.append([h.row for h in hits])
        top.append(hits[0].score if hits else 0.0)
        declined.append(answer.abstained)
        scores.append([h.score for h in hits])
        confidence.append(answer.confidence)
    return Run(rows, top, declined, scores, confidence)


def dump(bot: Bot, name: str, questions: list[Question], run: Run) -> list[dict[str, object]]:
    """qa's top 5 per question as text, source and score, for comparing two versions."""
    store = bot.store
    out: list[dict[str, object]] = []
    for q, rows, scores, declined, said in zip(questions, run.rows, run.scores or [],
                                               run.declined or [], run.confidence or []):
        out.append({"set": name, "id": q.id, "question": q.text, "declined": declined,
                    "confidence": said,
                    "top5": [[store.text(r), store.sentence(r).source, s]
                             for r, s in zip(rows[:5], scores[:5])]})
    return out


def run_baseline(bot: Bot, questions: list[Question], kind: str) -> Run:
    store, embedder = bot.store, bot.embedder
    headings = bot.retriever.headings
    rows, top = [], []
    for q in questions:
        if kind == "bm25":
            scores, _ = store.lexicon.scores(terms(q.text))
        else:
            scores = np.asarray(store.vectors @ embedder.encode_query(q.text), dtype=np.float32)
        scores = np.where(headings, -np.inf, scores)  # the corpus is its sentences, as for qa
        order = np.argsort(-scores, kind="stable")[:RANKED]
        rows.append([int(r) for r in order])
        top.append(float(scores[order[0]]) if len(order) else 0.0)
    return Run(rows, top, None)


# --- measures ------------------------------------------------------------------------------


def right_fn(bot: Bot, sentence_gold: bool) -> Callable[[Question, int], bool]:
    store = bot.store
    if not sentence_gold:
        return lambda q, row: contains_gold(store.text(row), q.gold)

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())

    def right(q: Question, row: int) -> bool:
        # Our splitter may cut a WikiQA sentence in two: a large enough piece of it counts,
        # a heading that happens to be inside it does not.
        text = norm(store.text(row))
        return bool(text) and any(norm(g) in text or (text in norm(g) and len(text) >= 0.4 * len(
            norm(g))) for g in q.gold)

    return right


def ranks(run: Run, questions: list[Question], right: Callable[[Question, int], bool]
          ) -> list[int]:
    out = []
    for q, rows in zip(questions, run.rows):
        out.append(next((i for i, r in enumerate(rows, 1) if right(q, r)), 0) if q.gold else -1)
    return out


def figures(run: Run, questions: list[Question], rank: list[int], pick: list[int]
            ) -> dict[str, float]:
    ans = [i for i in pick if questions[i].gold]
    una = [i for i in pick if not questions[i].gold]
    f: dict[str, float] = {
        "n": len(ans),
        "hit1": np.mean([0 < rank[i] <= 1 for i in ans]) if ans else 0.0,
        "hit5": np.mean([0 < rank[i] <= 5 for i in ans]) if ans else 0.0,
        "mrr": np.mean([1 / rank[i] if rank[i] > 0 else 0 for i in ans]) if ans else 0.0,
    }
    if run.declined is not None:
        f["f1"] = _f1(rank, questions, pick, [not run.declined[i] for i in range(len(rank))])
        said = run.confidence or ["none" if d else "high" for d in run.declined]
        nan = float("nan")
        f["off"] = len(una)
        f["unans_declined"] = np.mean([run.declined[i] for i in una]) if una else nan
        f["off_high"] = np.mean([said[i] == "high" for i in una]) if una else nan
        f["ans_declined"] = np.mean([run.declined[i] for i in ans]) if ans else nan
        f["high_right"] = np.mean([said[i] == "high" and rank[i] == 1 for i in ans]) if ans else nan
        f["high_wrong"] = np.mean([said[i] == "high" and rank[i] != 1 for i in ans]) if ans else nan
        f["tentative"] = np.mean([said[i] == "low" for i in ans]) if ans else nan
    else:
        best = 0.0
        for t in sorted({run.top[i] for i in pick}):
            best = max(best, _f1(rank, questions, pick, [s >= t for s in run.top]))
        f["f1"] = best
    return f


def _f1(rank: list[int], questions: list[Question], pick: list[int], answered: list[bool]
        ) -> float:
    n_answered = sum(answered[i] for i in pick)
    right = sum(1 for i in pick if answered[i] and rank[i] == 1)
    answerable = sum(1 for i in pick if questions[i].gold)
    if not n_answered or not answerable or not right:
        return 0.0
    p, r = right / n_answered, right / answerable
    return 2 * p * r / (p + r)


# --- the table -----------------------------------------------------------------------------

PROBE = Path(__file__).resolve().parent / "probe"


FIT = Path(__file__).resolve().parent / "dev"


def probe_set(name: str, folder: Path = PROBE) -> list[Question]:
    """A held-out probe set (benchmarks/probe/README.md): measured here, never fitted on; or,
    from benchmarks/dev/, a set written like them that fitting may use. Empty when absent."""
    if not (folder / name).is_file():
        return []
    out = []
    for n, turns in enumerate(read_questions(folder / name)):
        for t, (q, gold) in enumerate(turns):
            out.append(Question(f"{name}:{n}.{t}", q, gold))
    return out


def main() -> int:
    if not (EVAL / "WikiQA-test.tsv").is_file():
        print(f"skipped: {EVAL} is not here (the benchmark needs ../shared)")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--only=")),
                None)
    bbc_news = SHARED / "corpora" / "bbc-news" / "news"
    # (set, store name, corpus, questions, whole-sentence golds); a store serves its dev set
    # and its probe set alike
    seeds = ROOT / "seeds"
    sets: list[tuple[str, str, Callable[[], Path], Callable[[], list[Question]], bool]] = [
        ("wikiqa", "wikiqa", lambda: wikiqa()[0], lambda: wikiqa()[1], True),
        ("seed", "seed", lambda: seeds, lambda: dev_set("seed_dev.jsonl"), False),
        ("bbc", "bbc", lambda: bbc_news, lambda: dev_set("bbc_dev.jsonl"), False),
    ]
    for r in ROUNDS:
        sets += [(f"seed-probe{r}", "seed", lambda: seeds,
                  lambda r=r: probe_set(f"seed_probe{r}.jsonl"), False),
                 (f"bbc-probe{r}", "bbc", lambda: bbc_news,
                  lambda r=r: probe_set(f"bbc_probe{r}.jsonl"), False)]
    # encyclopedia questions written like the probes, on the WikiQA documents (held out)
    sets += [(f"wiki-probe{r}", "wikiqa", lambda: wikiqa()[0],
              lambda r=r: probe_set(f"wiki_probe{r}.jsonl"), False) for r in WIKI_ROUNDS]
    # written like the probes, on other articles, for fitting (benchmarks/dev/README.md)
    sets += [
        ("bbc-fit", "bbc", lambda: bbc_news, lambda: probe_set("bbc_fit.jsonl", FIT), False),
        ("bbc-fit2", "bbc", lambda: bbc_news, lambda: probe_set("bbc_fit2.jsonl", FIT), False),
        ("seed-fit", "seed", lambda: seeds, lambda: probe_set("seed_fit.jsonl", FIT), False),
    ]
    results: dict[str, dict[str, dict[str, float]]] = {}
    started = time.time()
    dumped: list[dict[str, object]] = []
    bots: dict[str, Bot] = {}
    for name, store_name, corpus, read, sentence_gold in sets:
        if only and name not in only:
            continue
        questions = read()
        if not questions:
            continue
        if store_name not in bots:
            bots = {store_name: make_bot(store_name, corpus())}  # one store in memory at a time
        bot = bots[store_name]
        right = right_fn(bot, sentence_gold)
        runs = {"qa": run_qa(bot, questions), "BM25": run_baseline(bot, questions, "bm25"),
                "dense": run_baseline(bot, questions, "dense")}
        dumped += dump(bot, name, questions, runs["qa"])
        for system, run in runs.items():
            rank = ranks(run, questions, right)
            everything = list(range(len(questions)))
            results.setdefault(system, {})[name] = figures(run, questions, rank, everything)
            if name == "wikiqa":
                number = [int(q.id[1:]) for q in questions]
                even = [i for i in everything if number[i] % 2 == 0]
                odd = [i for i in everything if number[i] % 2 == 1]
                results[system]["wikiqa-even"] = figures(run, questions, rank, even)
                results[system]["wikiqa-odd"] = figures(run, questions, rank, odd)
            if system == "qa" and "-v" in sys.argv:
                for q, rk, c in zip(questions, rank, run.confidence or []):
                    if q.gold and rk != 1 or not q.gold:
                        log(f"  [{name}] rank {rk} {c}: {q.text}")
    print(table(results))
    talks = [talk for talk in [
        ("seed-conv", "seed", lambda: ROOT / "seeds", EVAL / "seed_conversations.jsonl"),
        ("seed-conv-fit", "seed", lambda: ROOT / "seeds", FIT / "seed_conversations_fit.jsonl"),
        ("seed-conv3", "seed", lambda: ROOT / "seeds", PROBE / "seed_conversations3.jsonl"),
        ("bbc-conv-fit", "bbc", lambda: bbc_news, FIT / "bbc_conversations_fit.jsonl"),
        ("bbc-conv3", "bbc", lambda: bbc_news, PROBE / "bbc_conversations3.jsonl"),
    ] if talk[3].is_file() and (not only or talk[0] in only)]
    if talks:
        print("\nConversations, turns asked in order in one chat (`qa eval`): Hit@1 over every "
              "turn and over the follow-ups (turns after the first), Hit@3, MRR@10, answerable "
              "turns declined.\n")
        print("| set | turns | Hit@1 | Hit@1 follow-ups | Hit@3 | MRR@10 | declined |")
        print("|---|---|---|---|---|---|---|")
    for name, store_name, corpus, path in talks:
        if store_name not in bots:
            bots = {store_name: make_bot(store_name, corpus())}
        report = evaluate_file(bots[store_name], path)
        later = [o for o, t in zip(report.outcomes, (t for c in read_questions(path)
                                                     for t in range(len(c)))) if t > 0 and o.gold]
        answerable = max(1, len(report.answerable))
        print(f"| {name} | {len(report.outcomes)} | {report.hit_at(1):.2f} | "
              f"{sum(0 < o.rank <= 1 for o in later) / max(1, len(later)):.2f} | "
              f"{report.hit_at(3):.2f} | {report.mrr:.2f} | "
              f"{report.declined_wrongly / answerable:.2f} |")
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
          f"all-MiniLM-L6-v2, {time.time() - started:.0f} s\n{versions()}")
    if "--json" in sys.argv:
        print(json.dumps(results, indent=1, default=float))
    target = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--dump=")), None)
    if target:
        Path(target).write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in dumped)
                                + "\n", encoding="utf-8")
    return 0


ORDER = ("wikiqa-even", "wikiqa-odd", "wikiqa", *(f"wiki-probe{r}" for r in WIKI_ROUNDS),
         "seed", "seed-fit",
         *(f"seed-probe{r}" for r in ROUNDS), "bbc", "bbc-fit", "bbc-fit2",
         *(f"bbc-probe{r}" for r in ROUNDS))


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """Two tables: ranking with declining off (every system), and qa's replies as shipped."""

    def pct(x: float | None) -> str:
        return "-" if x is None or np.isnan(x) else f"{x:.2f}"

    lines = ["Ranking, declining off (Hit@1 / Hit@5 / MRR@10 over answerable questions):", "",
             "| set | n | " + " | ".join(results) + " |",
             "|---|---|" + "---|" * len(results)]
    for name in ORDER:
        if not any(name in r for r in results.values()):
            continue
        n = next(int(r[name]["n"]) for r in results.values() if name in r)
        cells = [f"{pct(r[name]['hit1'])} / {pct(r[name]['hit5'])} / {pct(r[name]['mrr'])}"
                 if name in r else "-" for r in results.values()]
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    qa = results.get("qa", {})
    lines += ["", ("qa as shipped: answerable questions answered confidently and right, "
                   "confidently but wrong (top hit), tentatively, flatly declined; off-corpus "
                   "questions declined, answered confidently; answer-triggering F1 (top hit "
                   "right, any reply but a decline); BM25 / dense F1 use the best threshold on "
                   "the test set itself."),
              "", ("| set | answerable | high, right | high, wrong | tentative | declined "
                   "| off-corpus | off declined | off high | F1 | BM25 F1 | dense F1 |"),
              "|---|" + "---|" * 11]
    for name in ORDER:
        f = qa.get(name)
        if f is None:
            continue
        base = [results.get(s, {}).get(name, {}).get("f1") for s in ("BM25", "dense")]
        lines.append(
            f"| {name} | {int(f['n'])} | {pct(f['high_right'])} | {pct(f['high_wrong'])} "
            f"| {pct(f['tentative'])} | {pct(f['ans_declined'])} | {int(f['off'])} "
            f"| {pct(f['unans_declined'])} | {pct(f['off_high'])} | {pct(f['f1'])} "
            f"| {pct(base[0])} | {pct(base[1])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
