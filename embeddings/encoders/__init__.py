"""Texts to unit vectors: the encoder protocol and its sentence-transformers and ONNX adapters."""
