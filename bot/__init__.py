"""The leg-symptom triage assistant: everything that is not Rasa glue.

`bot.knowledge` loads the knowledge base (YAML data), `bot.engine` reasons over it
with no Rasa import, `bot.nlu` holds the Rasa graph components that turn free text
into evidence, `bot.channels` the channel subclasses.
"""
