"""action_triage_turn: ask, conclude or escalate, with the events and payload it returns."""
from actions.triage import ActionTriageTurn
from bot.engine import MAX_QUESTIONS
from tests.actions.conftest import feature, make_tracker, run_action, slot_events

RLS_PICTURE = [feature("urge_to_move"), feature("worse_at_night"), feature("crawling_sensation")]


def payloads(messages):
    return [m["custom"]["assessment"] for m in messages if isinstance(m.get("custom"), dict) and "assessment" in m["custom"]]


def all_text(messages):
    return "\n".join(m.get("text") or "" for m in messages)


async def test_a_description_gets_one_question_with_answer_buttons():
    messages, events = await run_action(ActionTriageTurn(), make_tracker("my legs crawl at night", entities=RLS_PICTURE))
    slots = slot_events(events)
    assert slots["evidence"] == {"urge_to_move": "present", "worse_at_night": "present", "crawling_sensation": "present"}
    assert len(slots["asked"]) == 1
    asked = slots["asked"][0]
    assert slots["pending_question"] == asked
    assert asked not in slots["evidence"]  # never asks what the user already said
    assert [b["title"] for b in messages[-1]["buttons"]] == ["Yes", "No", "Not sure"]
    assert not payloads(messages)


async def test_a_yes_is_recorded_against_the_pending_question():
    tracker = make_tracker("yes", intent="affirm", slots={
        "evidence": {"urge_to_move": "present"}, "asked": ["worse_at_night"], "pending_question": "worse_at_night"})
    _, events = await run_action(ActionTriageTurn(), tracker)
    assert slot_events(events)["evidence"]["worse_at_night"] == "present"


async def test_an_emergency_sign_mid_interview_escalates_at_once():
    tracker = make_tracker("my face is drooping", entities=[feature("face_droop")], slots={
        "evidence": {"urge_to_move": "present"}, "asked": ["worse_at_night"], "pending_question": "worse_at_night"})
    messages, events = await run_action(ActionTriageTurn(), tracker)
    (payload,) = payloads(messages)
    assert payload["triage"] == "emergency"
    assert "stroke_signs" in [f["id"] for f in payload["red_flags"]]
    assert "emergency number" in all_text(messages)
    assert not any(m.get("buttons") for m in messages)  # no further question: the interview stops
    slots = slot_events(events)
    assert slots["pending_question"] is None
    assert slots["assessment"]["assessment"]["triage"] == "emergency"


async def test_an_emergency_sign_after_the_conclusion_still_escalates():
    concluded = {"evidence": {"cramp": "present"}, "asked": [], "assessment": {"assessment": {"triage": "self_care"}}}
    tracker = make_tracker("now my calf is swollen and I can't breathe",
                           entities=[feature("calf_swelling"), feature("breathlessness")], slots=concluded)
    messages, _ = await run_action(ActionTriageTurn(), tracker)
    assert payloads(messages)[0]["triage"] == "emergency"


async def test_after_eight_questions_it_concludes_with_the_payload_and_the_doctor_line():
    asked = ["at_rest", "relieved_by_movement", "one_leg", "lasting_weeks", "sleep_disruption",
             "family_history", "pregnancy", "caffeine_intake"][:MAX_QUESTIONS]
    evidence = {f: "unknown" for f in asked}
    evidence.update({"urge_to_move": "present", "worse_at_night": "present"})
    tracker = make_tracker("not sure", intent="unsure", slots={"evidence": evidence, "asked": asked})
    messages, events = await run_action(ActionTriageTurn(), tracker)
    (payload,) = payloads(messages)
    assert payload["causes"][0]["id"] == "restless_legs_syndrome"
    assert payload["triage"] in ("self_care", "routine", "urgent")
    text = all_text(messages)
    assert "most consistent with" in text and "not a diagnosis" in text
    assert "See a doctor if" in text
    assert slot_events(events)["assessment"] == {"assessment": payload}


async def test_a_correction_after_the_conclusion_reassesses_without_new_questions():
    evidence = {"shaking": "present", "at_rest": "present", "slowness_of_movement": "present", "both_legs": "present"}
    concluded = {"evidence": evidence, "asked": ["one_leg"], "assessment": {"assessment": {"triage": "routine"}}}
    tracker = make_tracker("actually it's only my left leg", intent="correct", entities=[feature("one_leg")], slots=concluded)
    messages, events = await run_action(ActionTriageTurn(), tracker)
    (payload,) = payloads(messages)
    assert "one_leg" in payload["evidence"]["present"]
    assert slot_events(events)["evidence"]["one_leg"] == "present"
    assert "both_legs" not in payload["evidence"]["present"]
    assert not any(m.get("buttons") == [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
                                        {"title": "Not sure", "payload": "/unsure"}] for m in messages)


async def test_nothing_recognisable_asks_for_a_description_not_a_route():
    messages, events = await run_action(ActionTriageTurn(), make_tracker("my legs feel weird"))
    assert not payloads(messages)
    assert "in your own words" in messages[0]["text"]
    assert slot_events(events)["pending_question"] is None
