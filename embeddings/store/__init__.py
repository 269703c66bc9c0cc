"""Vectors on disk and in memory: the incremental, atomic index store and its FAISS search."""
