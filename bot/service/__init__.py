"""The async shell around the core: answers off the event loop, batches, reloads, flood guard."""
