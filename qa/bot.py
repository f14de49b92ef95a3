"""The bot: questions in, answers (real sentences with their sources) out."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from qa.config import Settings, cache_dir, load_settings
from qa.embed import Embedder
from qa.errors import QuestionError
from qa.index import LocalBackend, Store, StoreBackend
from qa.ingest import Corpus, Notify
from qa.knowledge import StoredAnalysis
from qa.rank import Hit, Retriever
from qa.text import clean_question, safe
from qa.vectors import DenseIndex

Confidence = Literal["high", "low", "none"]


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question: ranked hits, or an abstention with its reason.

    `confidence` is the kind of reply: "high" an answer, "low" the closest sentences found
    but marked as a guess, "none" a decline (then `abstained` is true and `hits` empty).
    """

    question: str
    hits: tuple[Hit, ...]
    abstained: bool
    message: str = ""
    understood_as: str = ""
    confidence: Confidence = "high"

    def __post_init__(self) -> None:
        if self.abstained and self.confidence != "none":
            object.__setattr__(self, "confidence", "none")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: question, abstained, hits (text, score, source, start, end, ...)."""
        data = asdict(self)
        data["hits"] = list(data["hits"])
        for hit in data["hits"]:
            hit["source"] = display_path(hit["source"])
            hit["context_before"] = list(hit.pop("before"))
            hit["context_after"] = list(hit.pop("after"))
            hit["section"] = list(hit["section"])
        data["understood_as"] = self.understood_as or self.question
        return data


def display_path(path: str) -> str:
    """A source path as a user would write it: relative to the cwd when inside it."""
    try:
        return os.path.relpath(path) if Path(path).is_relative_to(Path.cwd()) else path
    except ValueError:
        return path


def backend_for(settings: Settings) -> StoreBackend:
    """Where the store lives: a folder (the default) or, for a URI, Milvus (qa.milvus)."""
    if isinstance(settings.store, str):
        from qa.milvus import MilvusBackend  # pymilvus itself is imported on connecting

        return MilvusBackend(settings.store, settings.milvus_collection,
                             settings.milvus_token_env, cache_dir())
    return LocalBackend(settings.store)


def _stderr(message: str) -> None:
    print(f"qa: {safe(message)}", file=sys.stderr)


class Bot:
    """Answers questions from a corpus, keeping its store up to date on first use.

    Its parts can be passed in: `embedder` (one Embedder shared by several bots, say) and
    `vectors`, which makes the vector index for a store (exact search, or another backend);
    without them they come from the settings.
    """

    def __init__(
        self,
        corpus: str | os.PathLike[str] | list[str | os.PathLike[str]] | None = None,
        store: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        notify: Notify | None = None,
        progress: bool = False,
        embedder: Embedder | None = None,
        vectors: Callable[[Store], DenseIndex] | None = None,
        **overrides: Any,
    ) -> None:
        base = settings or Settings()
        given = dict(overrides)
        if corpus is not None:
            given["corpus"] = [corpus] if isinstance(corpus, (str, os.PathLike)) else corpus
        if store is not None:
            given["store"] = store
        self.settings = base.replace(**given) if given else base
        self.notify: Notify = notify or _stderr
        self.progress = progress
        self.embedder = embedder or Embedder(self.settings.model, cache=cache_dir())
        self._vectors = vectors or self._default_vectors
        self.backend = backend_for(self.settings)
        self._store: Store | None = None
        self._retriever: Retriever | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Bot:
        return cls(settings=settings, **kwargs)

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> Bot:
        """A bot from config.yaml (or `path`), with keyword overrides of any key."""
        options = {k: overrides.pop(k) for k in ("notify", "progress") if k in overrides}
        return cls(settings=load_settings(path, **overrides), **options)

    @property
    def store(self) -> Store:
        """The store, built or brought up to date on first use."""
        if self._store is None:
            self.reindex()
        assert self._store is not None
        return self._store

    def reindex(self, rebuild: bool = False, verify: bool = False) -> Store:
        """Bring the store in step with the corpus; `rebuild` re-embeds everything, `verify`
        hashes every file to find changes that kept their size and modification time."""
        s = self.settings
        self._store = self.backend.sync(Corpus.from_settings(s), self.embedder,
                                        notify=self.notify, analyzer=StoredAnalysis(),
                                        progress=self.progress, rebuild=rebuild, verify=verify)
        dense = self._vectors(self._store)
        self._retriever = Retriever(self._store, self.embedder, s.context, dense=dense)
        return self._store

    def _default_vectors(self, store: Store) -> DenseIndex:
        """The configured search (`search`, `ann_min_sentences`), its index made if missing;
        a backend's own search when it has one (Milvus)."""
        if store.dense is not None:
            return store.dense  # type: ignore[no-any-return]
        dense = DenseIndex(store.vectors, store, self.settings.search,
                           self.settings.ann_min_sentences)
        dense.ensure_index(self.progress)
        return dense

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self.reindex()
        assert self._retriever is not None
        return self._retriever

    def sources(self) -> list[tuple[str, str, int]]:
        """(path, title, sentence count) of every indexed document."""
        return [(display_path(d.path), d.title, d.count) for d in self.store.documents]

    def ask(self, question: str, k: int | None = None, *,
            understood_as: str | None = None) -> Answer:
        """The k best sentences for `question`, or an abstention when none is relevant enough.

        `understood_as` is what to search for instead, when a conversation has rewritten a
        follow-up ("who did he thank?" as "who did Vucic thank?"); the answer keeps both.
        """
        text = clean_question(question)
        k = self.check_k(k)
        understood = text if understood_as is None else clean_question(understood_as)
        hits = self.retriever.search(understood, k)
        return self._answer(text, hits, understood)

    def check_k(self, k: int | None) -> int:
        """`k` as asked, or the configured one; a QuestionError for anything but a count."""
        k = self.settings.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise QuestionError(f"k must be a whole number of at least 1, got {k!r}")
        return k

    def _answer(self, question: str, hits: list[Hit], understood: str) -> Answer:
        threshold = self.settings.abstain_threshold
        if not hits or hits[0].score < threshold:
            n = len(self.store.documents)
            noun = "document" if n == 1 else "documents"
            return Answer(question, (), True,
                          f"I couldn't find that in the {n:,} {noun} I have.", understood)
        return Answer(question, tuple(hits), False, "", understood)


__all__ = ["Answer", "Bot", "Confidence", "Hit", "display_path"]
