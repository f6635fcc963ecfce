"""What our untrained Rasa graph components share."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message


class ConfiguredOnly:
    """Rasa's component factory for components built from their config alone (nothing trained,
    nothing stored): ``create`` is ``cls(config)``."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        return cls(config)  # type: ignore[call-arg]  # (the components themselves take a config)


class MessageByMessage:
    """``process``: each message through ``_process_one``; a failure is logged (never the text) and
    the message passes on as it was, since a guard must never break the pipeline."""

    def _process_one(self, message: Message) -> None:
        raise NotImplementedError

    # (Rasa's graph validation reads these annotations: they must name Message)
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            try:
                self._process_one(message)
            except Exception:
                logging.getLogger(type(self).__module__).exception(
                    "%s failed; the message is left unchanged", type(self).__name__)
        return messages
