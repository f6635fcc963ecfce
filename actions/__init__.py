"""Custom actions (rasa_sdk). Thin: they read the tracker, call bot.engine, and reply."""
