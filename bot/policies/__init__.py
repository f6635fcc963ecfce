"""Rasa dialogue policies of our own (graph components)."""
