"""A fake Telegram Bot API: an in-memory state machine (`api`) served over real HTTP (`server`).

The memory benchmark runs `storybot run` against it in a child process; the tests drive the
real handlers through it, in process (tests/fakes/transport.py) or over HTTP the same way.
"""
