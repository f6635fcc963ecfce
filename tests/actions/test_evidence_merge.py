"""How one user turn changes the evidence (actions/evidence.py)."""
from actions.evidence import apply_turn
from tests.actions.conftest import feature


def test_entities_become_evidence_with_their_polarity():
    update = apply_turn({}, [feature("tingling"), feature("numbness", "absent")], "describe_symptoms", None)
    assert update.evidence == {"tingling": "present", "numbness": "absent"}


def test_yes_no_not_sure_answer_the_pending_question():
    for intent, status in (("affirm", "present"), ("deny", "absent"), ("unsure", "unknown")):
        update = apply_turn({"shaking": "present"}, [], intent, "worse_at_night")
        assert update.evidence == {"shaking": "present", "worse_at_night": status}
        assert update.answered_pending


def test_what_the_answer_says_about_the_asked_feature_wins_over_its_intent():
    # "no, only my left leg" to "Is it only one leg?" is a deny, but it says one_leg is present.
    update = apply_turn({}, [feature("one_leg")], "deny", "one_leg")
    assert update.evidence == {"one_leg": "present"}


def test_a_later_statement_overrides_an_earlier_one():
    update = apply_turn({"worse_at_night": "absent"}, [feature("worse_at_night")], "correct", None)
    assert update.evidence["worse_at_night"] == "present"


def test_a_yes_with_no_pending_question_records_nothing():
    update = apply_turn({"shaking": "present"}, [], "affirm", None)
    assert update.evidence == {"shaking": "present"}
    assert not update.mentioned and not update.answered_pending


def test_unknown_feature_values_are_dropped():
    update = apply_turn({}, [feature("not_a_feature"), feature("cramp")], "describe_symptoms", None,
                        known_features={"cramp"})
    assert update.evidence == {"cramp": "present"}


def test_a_feature_said_present_makes_its_exclusive_twin_absent():
    excludes = {"one_leg": ["both_legs"], "both_legs": ["one_leg"]}
    update = apply_turn({"both_legs": "present"}, [feature("one_leg")], "correct", None, excludes=excludes)
    assert update.evidence == {"one_leg": "present", "both_legs": "absent"}


def test_an_exclusive_twin_is_not_overridden_when_the_message_names_it():
    excludes = {"one_leg": ["both_legs"], "both_legs": ["one_leg"]}
    update = apply_turn({}, [feature("one_leg"), feature("both_legs", "absent")], "describe_symptoms", None,
                        excludes=excludes)
    assert update.evidence == {"one_leg": "present", "both_legs": "absent"}
