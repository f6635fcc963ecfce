"""Rasa 3.6 policy: while a question is pending, the next message is read as its answer.

DESIGN.md: "While a question is pending, the next message is read first as an answer to that
question; only an explicit request leaves the interview." Intent classifiers see one message
without its context, so an answer such as "No, nothing wrong with her face or her talking" may be
classified out_of_scope, and "No new trouble with my waterworks" start_over. This policy looks at
the context: when the slot ``pending_question`` is set and the user has just spoken, it predicts
``action_triage_turn`` (which reads the message against the question) unless the intent is an
explicit request that leaves the interview (start over, delete my data, why?, what does it
mean?, goodbye, a crisis). Even then, a reply that opens like an answer ("no, ...", "yes but
...") is an answer, except for a crisis, which always wins. After action_triage_turn it predicts
action_listen.

    policies:
      - name: bot.policies.interview_policy.InterviewPolicy
        priority: 6          # above RulePolicy (4): context beats the context-free rules
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.interview.answers import opens_with_answer_word

TRIAGE_ACTION = "action_triage_turn"
PENDING_SLOT = "pending_question"
#: Intents that leave the interview even while a question is pending.
EXIT_INTENTS = frozenset({"start_over", "delete_my_data", "ask_why", "ask_what_is", "goodbye", "crisis", "resume",
                          "greet",  # "hello" again mid-interview: greeted, the question stays pending
                          "restart", "session_start", "back",  # Rasa's own default intents (/restart)
                          # Privacy controls (actions/privacy.py): they leave the question pending.
                          "privacy_accept", "privacy_decline", "privacy_info", "export_my_data",
                          "confirm_delete", "cancel_delete"})
#: After "erase this conversation?", the next message answers that, not the pending question.
CONFIRM_ERASE_ACTION = "action_ask_delete_my_data"
#: Exits that a reply opening like an answer ("no, ...") cannot override.
ALWAYS_EXIT = frozenset({"crisis"})
#: Below this confidence an exit intent is not trusted over the context.
EXIT_MIN_CONFIDENCE = 0.6
#: The action each explaining exit leads to: asked twice in a row about the same question, the
#: second message is read as an answer (never the same explanation twice: no loops).
EXPLAINING = {"ask_why": "action_explain_why", "ask_what_is": "action_explain_cause"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class InterviewPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 6}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn: the rule is the context

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self.decide(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        return self._prediction(confidence_scores_for(action, 1.0, domain))

    @staticmethod
    def decide(tracker: DialogueStateTracker) -> Optional[str]:
        """The action this policy insists on, or None to let the other policies decide."""
        if tracker.latest_action_name == TRIAGE_ACTION:
            return ACTION_LISTEN_NAME
        if tracker.latest_action_name != ACTION_LISTEN_NAME or not tracker.get_slot(PENDING_SLOT):
            return None
        message = tracker.latest_message
        if message is None or not message.text and not message.intent:
            return None
        if _previous_bot_action(tracker) == CONFIRM_ERASE_ACTION:
            return None  # data/rules/privacy.yml reads the yes / no
        intent = (message.intent or {}).get("name")
        confidence = (message.intent or {}).get("confidence") or 0.0
        if intent in EXIT_INTENTS:
            if intent in ALWAYS_EXIT:
                return None
            text = message.text or ""
            opens_like_answer = not text.startswith("/") and opens_with_answer_word(text)
            repeated = EXPLAINING.get(intent) is not None and _previous_bot_action(tracker) == EXPLAINING[intent]
            if confidence >= EXIT_MIN_CONFIDENCE and not opens_like_answer and not repeated:
                return None
        return TRIAGE_ACTION


def _previous_bot_action(tracker: DialogueStateTracker) -> Optional[str]:
    """The last action before the current user message, other than listening."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None
            seen_user = True
        elif isinstance(event, ActionExecuted) and seen_user and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None
