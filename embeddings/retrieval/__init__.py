"""Question to ranked passages: query analysis, lexical and dense signals, fusion, gates."""
