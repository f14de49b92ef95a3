"""The embedding model: documents through sentence-transformers, questions through ONNX."""

from qa.embed.model import Embedder, QueryModel, mean_pool, model_path

__all__ = ["Embedder", "QueryModel", "mean_pool", "model_path"]
