"""The embedding model: documents through sentence-transformers, questions through ONNX."""

from qa.embed.model import Embedder, model_path
from qa.embed.native import onnxruntime, ort_errors, usearch_index
from qa.embed.query import QueryModel, mean_pool

__all__ = ["Embedder", "QueryModel", "mean_pool", "model_path", "onnxruntime", "ort_errors",
           "usearch_index"]
