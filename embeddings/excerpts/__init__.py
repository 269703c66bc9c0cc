"""Ranked passages to quotable excerpts: near-duplicate groups (build time), quotes (query time)."""
