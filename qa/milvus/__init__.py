"""A store in Milvus: Milvus Lite (a .db folder, in-process) or a server or cluster by URI.

    client.py       where the store is, connecting, one-line errors
    collections.py  the rows, manifest and meta collections; reading and writing them
    backend.py      MilvusBackend: sync a corpus into Milvus, keep this process's mirror
    search.py       Milvus's dense and BM25 search as the candidates of a big store

Needs the `milvus` extra (`pip install 'qa[milvus]'`); importing this package does not import
pymilvus, connecting does.
"""

from qa.milvus.backend import MilvusBackend
from qa.milvus.client import Location
from qa.milvus.search import MilvusDense, MilvusIndex

__all__ = ["Location", "MilvusBackend", "MilvusDense", "MilvusIndex"]
