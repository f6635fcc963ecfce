"""What a REST client sees of a conclusion: one message (the card as text, its buttons, the payload
with the card), an emergency alone, a kind close after it, a summary to keep, and /get_started."""
from __future__ import annotations

from tests.support.chat import Chat, assessment_in, buttons_in, texts


def until_concluded(chat: Chat, replies, answer: str = "not sure", limit: int = 14):
    for _ in range(limit):
        if assessment_in(replies) is not None:
            return replies
        replies = chat.say(answer)
    raise AssertionError("no conclusion:\n" + chat.dump())


def card_of(replies):
    cards = [r["custom"]["card"] for r in replies if isinstance(r.get("custom"), dict) and "card" in r["custom"]]
    assert len(cards) == 1, replies
    return cards[0]


def test_the_conclusion_is_one_text_with_its_buttons_and_the_card(stack):
    chat = Chat(stack.url)
    replies = until_concluded(chat, chat.say("my calves keep cramping at night, it wakes me up, both legs"))
    card = card_of(replies)
    text_replies = [r for r in replies if r.get("text")]
    conclusion = [r for r in text_replies if r["text"].startswith(card["title"])]
    assert len(conclusion) == 1, chat.dump()
    assert card["do_now"] in conclusion[0]["text"] and "See a doctor if" in conclusion[0]["text"]
    assert {"Save a summary for my doctor", "Start over"} <= set(buttons_in(replies))


def test_an_emergency_says_what_to_do_now_with_no_cause_beside_it(stack):
    chat = Chat(stack.url)
    replies = chat.say("my legs have been restless at night for years, but tonight my left leg went weak "
                       "all of a sudden and his face is drooping on one side")
    card = card_of(replies)
    assert card["level"] == "emergency" and card["causes"] == []
    said = texts(replies)
    assert said.lstrip("⚠️ ").startswith(card["title"])
    assert "restless legs" not in said.lower() and "fits" not in said
    assert buttons_in(replies) == []


def test_no_after_the_conclusion_closes_kindly_and_never_asks_again(stack):
    chat = Chat(stack.url)
    until_concluded(chat, chat.say("my legs twitch a lot after I run"))
    answers = [texts(chat.say(word)) for word in ("no", "nothing else", "no", "nope")]
    assert all("anything you'd like" not in a.lower() and "?" not in a for a in answers), chat.dump()
    assert all(a != b for a, b in zip(answers, answers[1:])), chat.dump()


def test_the_summary_to_keep_quotes_the_person(stack):
    chat = Chat(stack.url)
    until_concluded(chat, chat.say("my legs go all creepy crawly at night and I have to walk about"))
    replies = chat.press(chat.transcript[-1][1], "Save a summary for my doctor")
    summary = [r["custom"]["summary"] for r in replies if isinstance(r.get("custom"), dict) and "summary" in r["custom"]]
    assert summary and summary[0]["download"]["token"]
    assert "creepy crawly" in texts(replies)
    assert chat.sender not in texts(replies)


def test_get_started_and_unknown_payloads_greet(stack):
    for opening in ("/get_started", "/start_conversation", '/get_started{"lang": "en"}'):
        said = texts(Chat(stack.url).say(opening))
        assert "not a doctor" in said and "didn't get any text" not in said, said
