"""Privacy through the REST channel of the real servers (SQLite store, PRIVACY_DEFAULT=ask): the
notice comes before the first question, declining leaves no row after a full interview, agreeing
keeps the whole conversation, export holds only this conversation, erase is confirmed first."""
from __future__ import annotations

import pytest

from tests.privacy.support import RLS, privacy_in, sqlite_user_texts
from tests.support.chat import Chat, buttons_in, texts
from tests.support.servers import ROOT, Stack, latest_model

pytestmark = pytest.mark.server



@pytest.fixture(scope="module")
def ask_stack(tmp_path_factory):
    running = Stack(workdir=tmp_path_factory.mktemp("privacy-ask"), model=latest_model(),
                    extra_env={"PRIVACY_DEFAULT": "ask", "RETENTION_DAYS": "21",
                               "OPERATOR_NAME": "Leg Clinic Test", "CRISIS_COUNTRY": "GB"})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.keep_logs(ROOT / "results" / "server-logs" / "privacy")


def test_a_description_first_gets_the_notice_before_the_first_question(ask_stack):
    replies = Chat(ask_stack.url).say("my legs shake at night")
    notice_at = next(i for i, r in enumerate(replies) if "Privacy" in r.get("text", ""))
    question_at = max(i for i, r in enumerate(replies) if "?" in r.get("text", "") and "Privacy" not in r["text"])
    assert notice_at < question_at
    assert "21 days" in replies[notice_at]["text"] and "Leg Clinic Test" in replies[notice_at]["text"]
    assert privacy_in(replies)["storage"] == "ask"
    assert {"Yes, keep it", "Don't store anything"} <= set(buttons_in(replies))


def test_the_greeting_carries_the_notice_once(ask_stack):
    chat = Chat(ask_stack.url)
    first = chat.say("hello")
    assert "not a doctor" in texts(first) and "21 days" in texts(first) and "delete my data" in texts(first)
    assert privacy_in(first)["storage"] == "ask"
    again = chat.say("hi")
    assert "21 days" not in texts(again) and "Hello again" in texts(again)


def test_declining_leaves_no_row_after_a_full_interview(ask_stack):
    chat = Chat(ask_stack.url)
    chat.say("hello")
    declined = chat.say("/privacy_decline")
    assert privacy_in(declined)["storage"] == "not_stored"
    assessment = RLS.consult(chat.say)
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome"
    # The conversation goes on (it is held in memory) but nothing reached the store.
    assert "restless legs" in texts(chat.say("why?")).lower()
    assert sqlite_user_texts(ask_stack.tracker_db, chat.sender) == []


def test_agreeing_mid_interview_keeps_the_whole_conversation_and_the_interview(ask_stack):
    chat = Chat(ask_stack.url)
    first = chat.say(RLS.opening)
    assert sqlite_user_texts(ask_stack.tracker_db, chat.sender) == []  # nothing before the answer
    accepted = chat.press(first, "Yes, keep it")
    assert privacy_in(accepted)["storage"] == "stored"
    assert sqlite_user_texts(ask_stack.tracker_db, chat.sender) == [RLS.opening, "/privacy_accept"]
    assessment = RLS.carry_on(chat.say, chat.say("yes"))  # the pending question is still pending
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome"
    assert len(sqlite_user_texts(ask_stack.tracker_db, chat.sender)) >= 4


def test_export_holds_only_this_conversation(ask_stack):
    alice, bob = Chat(ask_stack.url), Chat(ask_stack.url)
    alice.press(alice.say("my calves cramp after football"), "Yes, keep it")
    bob.say("my legs twitch when I drink coffee in Quedlinburg")
    replies = alice.say("send me my data")
    said = texts(replies)
    assert "my calves cramp after football" in said and "Quedlinburg" not in said
    exported = next(r["custom"]["export"] for r in replies if "export" in (r.get("custom") or {}))
    assert exported["conversation_id"] == alice.sender and exported["storage"] == "stored"
    assert [m["text"] for m in exported["messages"]][:2] == ["my calves cramp after football", "/privacy_accept"]
    assert "Quedlinburg" not in str(exported)
    # Bob stored nothing: his export says so and still shows what his conversation holds.
    bob_said = texts(bob.say("/export_my_data"))
    assert "Nothing of this conversation is stored" in bob_said and "Quedlinburg" in bob_said


def test_erase_needs_confirmation_and_says_what_was_erased(ask_stack):
    chat = Chat(ask_stack.url)
    chat.press(chat.say("my legs shake at night"), "Yes, keep it")
    chat.say("no")
    asked = chat.say("delete my data")
    assert "erased" not in texts(asked).lower() and buttons_in(asked) == ["Yes, erase it", "No, keep it"]
    assert len(sqlite_user_texts(ask_stack.tracker_db, chat.sender)) == 4  # nothing erased yet
    kept = chat.press(asked, "No, keep it")
    assert "nothing is erased" in texts(kept).lower()
    asked = chat.say("/delete_my_data")
    stored = len(sqlite_user_texts(ask_stack.tracker_db, chat.sender))
    erased = chat.press(asked, "Yes, erase it")
    assert stored == 6 and "erased your 7 message(s)" in texts(erased)  # the 6 stored and "Yes, erase it"
    assert sqlite_user_texts(ask_stack.tracker_db, chat.sender) == []
    # The next message starts from scratch, with the notice again.
    assert privacy_in(chat.say("hello"))["storage"] == "ask"


def test_a_typed_yes_confirms_the_erase_even_mid_interview(ask_stack):
    chat = Chat(ask_stack.url)
    chat.press(chat.say("my legs shake at night"), "Yes, keep it")
    chat.say("delete my data")
    assert "erased" in texts(chat.say("yes")).lower()
    assert sqlite_user_texts(ask_stack.tracker_db, chat.sender) == []
