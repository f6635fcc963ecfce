"""The first working conversation, end to end through the REST channel of a running server."""
from bot.engine import MAX_QUESTIONS
from bot.knowledge import load_knowledge
from tests.support.chat import Chat, assessment_in, buttons_in, texts
from evaluation.profile_patient import question_feature

TRIAGE_LEVELS = {"emergency", "urgent", "routine", "self_care"}


def answer_by_buttons(chat, replies, button="Not sure", limit=MAX_QUESTIONS + 2):
    """Press the same answer button until the assistant concludes; returns (assessment, questions asked)."""
    asked = 0
    for _ in range(limit):
        found = assessment_in(replies)
        if found is not None:
            return found, asked, replies
        assert buttons_in(replies) == ["Yes", "No", "Not sure"], chat.dump()
        asked += 1
        replies = chat.press(replies, button)
    raise AssertionError("no conclusion:\n" + chat.dump())


def test_greeting_says_what_the_assistant_is_and_is_not(stack):
    said = texts(Chat(stack.url).say("hello"))
    assert "not a doctor" in said
    assert "emergency" in said
    assert "legs" in said


def test_greeting_then_description_ends_with_the_assessment_and_a_route(stack):
    chat = Chat(stack.url)
    chat.say("hi")
    replies = chat.say("my legs shake at night")
    assessment, asked, replies = answer_by_buttons(chat, replies, "No")
    assert assessment["triage"] in TRIAGE_LEVELS
    assert assessment["version"] == 1
    assert "shaking" in assessment["evidence"]["present"]
    assert "worse_at_night" in assessment["evidence"]["present"]
    assert asked <= MAX_QUESTIONS
    said = texts(replies)
    assert "See a doctor if" in said
    assert "not a diagnosis" in said


def test_a_conversation_can_open_with_the_description(stack):
    chat = Chat(stack.url)
    replies = chat.say("I get a creepy crawly feeling in my legs in bed and have to get up and walk")
    assert question_feature(replies) is not None, chat.dump()
    assessment, _, _ = answer_by_buttons(chat, replies, "Yes")
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome"
    assert {"urge_to_move", "crawling_sensation"} <= set(assessment["evidence"]["present"])


def test_not_sure_to_everything_still_concludes_within_the_question_limit(stack):
    chat = Chat(stack.url)
    assessment, asked, _ = answer_by_buttons(chat, chat.say("my legs have been shaking"), "Not sure")
    assert asked <= MAX_QUESTIONS
    assert assessment["triage"] in TRIAGE_LEVELS


def test_not_sure_in_free_text_counts_as_an_answer(stack):
    chat = Chat(stack.url)
    replies = chat.say("my legs twitch")
    for _ in range(MAX_QUESTIONS + 2):
        if assessment_in(replies):
            break
        replies = chat.say("I'm not sure")
    else:
        raise AssertionError(chat.dump())
    assert len([t for t, _ in chat.transcript if t == "I'm not sure"]) <= MAX_QUESTIONS


def test_symptoms_first_then_greeting_still_works(stack):
    chat = Chat(stack.url)
    first = chat.say("jumpy legs when I lie down")
    feature = question_feature(first)
    assert feature is not None, chat.dump()
    assert "not a doctor" in texts(chat.say("hello"))
    # The interview picks up where it was: the pending question can still be answered.
    replies = chat.say("yes")
    assert question_feature(replies) or assessment_in(replies), chat.dump()


def test_it_never_asks_what_the_user_already_said(stack):
    kb = load_knowledge()
    chat = Chat(stack.url)
    replies = chat.say("my legs won't keep still in the evening when I sit on the sofa, and walking helps")
    said = {"urge_to_move", "worse_at_night", "at_rest", "relieved_by_movement"}
    for _ in range(MAX_QUESTIONS + 1):
        if assessment_in(replies):
            break
        feature = question_feature(replies)
        assert feature not in said, f"asked about {kb.features[feature].label!r} again:\n{chat.dump()}"
        said.add(feature)
        replies = chat.say("no")
    assert assessment_in(replies), chat.dump()


def test_out_of_scope_gets_a_scope_statement_not_a_route(stack):
    replies = Chat(stack.url).say("what's the weather like tomorrow?")
    assert assessment_in(replies) is None
    assert "only help with legs" in texts(replies)
