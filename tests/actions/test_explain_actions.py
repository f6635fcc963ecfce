"""Follow-up questions and housekeeping: why?, what is X?, what can I do?, the doctor summary."""
from actions.explain import ActionDoctorSummary, ActionExplainCause, ActionExplainWhy, ActionSelfCare
from actions.session import ActionDeleteMyData, ActionStartOver
from tests.actions.conftest import make_tracker, run_action

RLS = {"urge_to_move": "present", "worse_at_night": "present", "relieved_by_movement": "present",
       "at_rest": "present", "numbness": "absent"}


def text(messages):
    return "\n".join(m.get("text") or "" for m in messages)


async def test_why_names_what_the_user_said():
    messages, _ = await run_action(ActionExplainWhy(), make_tracker("why?", intent="ask_why", slots={"evidence": RLS}))
    said = text(messages)
    assert "restless legs syndrome" in said.lower()
    assert "worse in the evening or at night" in said
    assert "not a diagnosis" in said


async def test_why_before_any_evidence_does_not_invent_a_reason():
    messages, _ = await run_action(ActionExplainWhy(), make_tracker("why?", intent="ask_why"))
    assert "haven't drawn any conclusion" in text(messages)


async def test_what_is_explains_the_named_condition():
    tracker = make_tracker("what is dystonia", intent="ask_what_is",
                           entities=[{"entity": "cause", "value": "dystonia"}])
    messages, _ = await run_action(ActionExplainCause(), tracker)
    assert text(messages).startswith("Dystonia")
    assert "See a doctor if" in text(messages)


async def test_what_is_it_without_a_name_explains_the_leading_cause():
    tracker = make_tracker("what is that?", intent="ask_what_is", slots={"evidence": RLS})
    messages, _ = await run_action(ActionExplainCause(), tracker)
    assert text(messages).startswith("Restless legs syndrome")


async def test_self_care_gives_tips_and_the_see_a_doctor_line():
    tracker = make_tracker("what can I do", intent="ask_self_care",
                           slots={"evidence": {"cramp": "present", "wakes_from_sleep": "present", "leg_pain": "present"}})
    said = text((await run_action(ActionSelfCare(), tracker))[0])
    assert "stretch" in said.lower()
    assert "See a doctor if" in said


async def test_doctor_summary_lists_what_is_present_and_absent():
    tracker = make_tracker("what should I tell my doctor", intent="ask_doctor_summary", slots={"evidence": RLS})
    said = text((await run_action(ActionDoctorSummary(), tracker))[0])
    assert "an urge to move your legs" in said
    assert "numbness" in said


async def test_delete_resets_every_slot():
    messages, events = await run_action(ActionDeleteMyData(), make_tracker("delete my data", intent="delete_my_data",
                                                                           slots={"evidence": RLS}))
    assert {"event": "reset_slots", "timestamp": None} in events
    assert "erased" in messages[0]["text"]


async def test_start_over_with_evidence_asks_first_and_without_resets_at_once():
    messages, events = await run_action(ActionStartOver(), make_tracker("start over", intent="start_over",
                                                                        slots={"evidence": RLS}))
    assert {"event": "reset_slots", "timestamp": None} not in events
    assert "set aside" in messages[0]["text"] and [b["title"] for b in messages[0]["buttons"]][0] == "Yes, start over"
    assert {e["name"]: e["value"] for e in events if e["event"] == "slot"}["pending_question"] == "confirm_start_over"
    messages, events = await run_action(ActionStartOver(), make_tracker("start over", intent="start_over"))
    assert {"event": "reset_slots", "timestamp": None} in events
