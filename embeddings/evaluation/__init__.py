"""Retrieval quality on question files, and their misspelt and chatty variants."""
