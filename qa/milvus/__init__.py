"""A store in Milvus: Milvus Lite (a .db folder, in-process) or a server or cluster by URI.

    client.py       where the store is, connecting, one-line errors
    collections.py  the rows, manifest and meta collections; reading and writing them
    backend.py      MilvusBackend: sync a corpus into Milvus, keep this process's mirror
    mirror.py       a process's mirror of a collection below milvus_mirror_below sentences
    reading.py      reading a bigger collection a question at a time, holding no rows
    search.py       Milvus's dense and BM25 search as the candidates of a mirrored store

Needs the `milvus` extra (`pip install 'qa[milvus]'`); importing this package does not import
pymilvus, connecting does.
"""

from qa.milvus.backend import MilvusBackend
from qa.milvus.client import Location
from qa.milvus.search import MilvusDense, MilvusIndex

__all__ = ["Location", "MilvusBackend", "MilvusDense", "MilvusIndex"]
