"""`storybot bench`: speed benchmarks of the bot against the floor of its work."""
