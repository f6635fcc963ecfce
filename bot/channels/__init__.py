"""Rasa input channels: the website widget (`bot.channels.widget`) and Telegram (`bot.channels.telegram`)."""
