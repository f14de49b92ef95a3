"""The store on disk: generations of sentences, vectors and the BM25 index, kept in step."""

from qa.index.lexical import K1, LexicalIndex, members
from qa.index.store import FORMAT, DocInfo, Store, sync

__all__ = ["FORMAT", "K1", "DocInfo", "LexicalIndex", "Store", "members", "sync"]
