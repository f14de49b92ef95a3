"""File loaders: one module per format, each turning a file's bytes into text and a title."""

from qa.ingest.loaders.base import Loaded, Loader, Location
from qa.ingest.loaders.markdown import MarkdownLoader
from qa.ingest.loaders.registry import LOADERS, loader_for
from qa.ingest.loaders.text import TextLoader, decode, title_of

__all__ = ["LOADERS", "Loaded", "Loader", "Location", "MarkdownLoader", "TextLoader", "decode",
           "loader_for", "title_of"]
