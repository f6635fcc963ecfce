"""The interview, one turn at a time, without Rasa: reading answers in context (answers.py) and
deciding ask / conclude / escalate (turn.py). actions/ are thin adapters over it."""
from bot.interview.answers import read_answer
from bot.interview.turn import InterviewState, Outcome, UserMessage, take_turn

__all__ = ["InterviewState", "Outcome", "UserMessage", "read_answer", "take_turn"]
