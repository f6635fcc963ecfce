"""bot.summary: a summary to keep, in the person's words, with nothing identifying; signed links."""
from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from bot import summary as summaries
from bot.engine import assess
from bot.interview.turn import InterviewState, UserMessage, take_turn
from bot.knowledge import load_knowledge
from bot.nlu.extraction import get_extractor

KB = load_knowledge()
SENDER = "widget-5f2c9d1e-private-session"


def conversation(*texts: str):
    """The events Rasa would store for these messages and the interview's slots after them."""
    events = [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    state = InterviewState()
    for text in texts:
        entities = [{"entity": "feature", "value": m.id, "role": m.role, "start": m.start, "end": m.end}
                    for m in get_extractor().extract(text)]
        events.append({"event": "user", "text": text, "parse_data": {"entities": entities}})
        state = take_turn(state, UserMessage(text, None, tuple(entities)), KB).state
    assessment = assess(dict(state.evidence), kb=KB)
    events += [{"event": "slot", "name": k, "value": v} for k, v in state.to_slots().items()]
    events.append({"event": "slot", "name": "assessment", "value": assessment.to_payload()})
    return events, assessment


def test_no_summary_before_a_conclusion():
    assert summaries.build([{"event": "user", "text": "hello"}], KB) is None


def test_the_summary_quotes_the_persons_words_and_gives_the_route_date_and_sources():
    events, assessment = conversation("Grandma's legs are jumpy at nite and she has to get up and walk about")
    summary = summaries.build(events, KB, today=dt.date(2026, 12, 3))
    text = summaries.render_text(summary)
    assert "2026-12-03" in text
    assert KB.triage_levels[assessment.triage].title in text
    assert "\u201c" in text  # at least one quote of the person's own words
    assert any(s["title"] for s in summary["sources"]) and "Sources" in text
    assert "not a diagnosis" in text.lower()
    assert "\n\n" not in text  # one message: Rasa splits texts at blank lines


def test_inferred_features_are_marked_as_assumed_not_reported():
    events, _ = conversation("both my legs jerk at night and walking helps")
    summary = summaries.build(events, KB)
    reported = {item["feature"] for item in summary["said"]}
    assert "one_leg" not in reported
    assert any(KB.features["one_leg"].label == i["label"] for i in summary["inferred"])


def test_a_restart_starts_the_summary_afresh():
    events, _ = conversation("my calves cramp at night")
    assert summaries.build(events + [{"event": "restart"}], KB) is None


def test_nothing_identifying_is_in_any_rendering():
    events, _ = conversation("I'm Jonathan Smythe, my legs shake when I hold a cup")
    summary = summaries.build(events, KB)
    for rendering in (summaries.render_text(summary), summaries.render_html(summary)):
        assert SENDER not in rendering and "Jonathan" not in rendering and "Smythe" not in rendering


def test_the_pdf_opens_and_holds_the_route_and_the_persons_words_in_unicode():
    events, assessment = conversation("mes jambes tremblent, my legs shake when I hold a cup \u2014 worse with coffee")
    summary = summaries.build(events, KB)
    pdf = summaries.render_pdf(summary)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert KB.triage_levels[assessment.triage].title in text
    assert summary["title"] in text
    quoted = [w for item in summary["said"] for w in item["words"]]
    assert quoted and quoted[0] in text


def test_the_print_page_escapes_what_the_person_typed():
    events, _ = conversation("<script>alert(1)</script> my legs shake")
    page = summaries.render_html(summaries.build(events, KB))
    assert "<script>" not in page and "@media print" in page


def test_a_download_token_names_the_conversation_and_nothing_else_opens_it():
    token = summaries.sign(SENDER, now=1_000_000)
    assert summaries.verify(token, now=1_000_100) == SENDER
    assert summaries.verify(token, now=1_000_000 + summaries.TOKEN_TTL_S + 1) is None  # expired
    body, mac = token.split(".")
    assert summaries.verify(body + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"), now=1_000_100) is None
    other = summaries.sign("someone-else", now=1_000_000)
    assert summaries.verify(other.split(".")[0] + "." + mac, now=1_000_100) is None  # swapped body
    for junk in ("", "x", "a.b.c", "\u00e9.\u00e9", "." * 700):
        assert summaries.verify(junk) is None


def test_a_continued_session_keeps_the_persons_words():
    # After MAX_SESSION_TURNS the next session starts with every slot carried over
    # (bot.rasa_patches.session_rollover): the words live in the interview slot, not in old events.
    events, _ = conversation("my calves cramp at night")
    slots = [e for e in events if e["event"] == "slot"]
    continued = [{"event": "session_started", "metadata": {"continued": True}}, *slots]
    before = summaries.build(events, KB)
    after = summaries.build(events + continued, KB)
    assert after["said"] == before["said"] and any(item["words"] for item in after["said"])
