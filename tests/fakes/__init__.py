"""Fakes at the bot's two seams: a stand-in Library and an in-memory Telegram Bot API."""
