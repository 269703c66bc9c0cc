"""Sources to passages: read and clean articles, split them into citable passages."""
