"""The Telegram adapter: the application, its handlers, and rendering answers as Telegram HTML."""
