"""The website widget end to end: Debian's chromium (Playwright) on the demo page /chat/ of a
running Rasa server with the trained model, plus socket.io-level checks of the channel.

One server for the whole module (fixtures in conftest.py). Screenshots go to results/screenshots/.
"""
from __future__ import annotations

import asyncio
import html
import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest
import requests

from bot.texts import say
from tests.channels.conftest import ALLOWED_ORIGIN, FLOOD_BURST, REFUSED_ORIGIN

RLS_OPENING = "I get a creepy crawly feeling in my legs in bed and have to get up and walk"
EMERGENCY = "my face is drooping and my speech is slurred"
MAX_TURNS = 12
TURN_MS = 45_000

# Resolves when the bot's turn is over: new quick replies, or one more assessment card.
TURN_DONE = """(cards) => document.querySelector('.lsg-quick-replies') !== null
                       || document.querySelectorAll('.lsg-card').length > cards"""


# --------------------------------------------------------------------------- page helpers
def open_demo(page, stack) -> None:
    """The demo page, connected, with the greeting the widget asks for on a new conversation."""
    page.goto(f"{stack.url}/chat/")
    page.wait_for_selector(".lsg-root[data-connection='online']")
    wait_bot(page, 0)


def bot_count(page) -> int:
    return page.locator(".lsg-bot").count()


def wait_bot(page, before: int) -> None:
    """Until more than `before` bot messages are shown (for replies that come without buttons)."""
    page.wait_for_function("(n) => document.querySelectorAll('.lsg-bot').length > n", arg=before, timeout=TURN_MS)


def card_count(page) -> int:
    return page.locator(".lsg-card").count()


def wait_turn(page, cards_before: int) -> None:
    page.wait_for_function(TURN_DONE, arg=cards_before, timeout=TURN_MS)


def type_message(page, text: str) -> None:
    cards = card_count(page)
    page.get_by_label("Your message to the assistant").fill(text)
    page.keyboard.press("Enter")
    wait_turn(page, cards)


def click_reply(page, title: str) -> None:
    cards = card_count(page)
    page.locator(".lsg-quick-replies").get_by_role("button", name=title, exact=True).click()
    wait_turn(page, cards)


def transcript(page) -> List[str]:
    return page.locator(".lsg-log > .lsg-msg").evaluate_all("nodes => nodes.map(n => n.innerText.trim())")


def last_user_message(page) -> str:
    return page.locator(".lsg-user p").last.inner_text().strip()


def stored(page) -> Dict[str, Any]:
    raw = page.evaluate("() => { const k = Object.keys(localStorage).find(k => k.startsWith('leg-symptom-widget:'));"
                        " return k ? localStorage.getItem(k) : null; }")
    assert raw, "the widget stored nothing in localStorage"
    return json.loads(raw)


def user_turns_on_server(stack, sender_id: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
                          (sender_id,)).fetchone()[0]


def restarted_on_server(stack, sender_id: str) -> bool:
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'restart'",
                          (sender_id,)).fetchone()[0] > 0


def eventually(check, timeout: float = 10.0) -> bool:
    """The tracker is saved just after the replies go out: poll a little."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def shoot(page, directory, name: str, card=None):
    if card is not None:
        card.evaluate("node => node.scrollIntoView({block: 'start'})")
    path = directory / name
    page.screenshot(path=str(path))
    return path


#: For a picture of a whole card: the panel grows with the conversation instead of scrolling it.
UNSCROLLED = """.lsg-root.lsg-is-open { position: absolute !important; inset: 0 0 auto 0 !important; }
.lsg-panel { height: auto !important; } .lsg-log { overflow: visible !important; flex: none !important; }"""


def shoot_card(page, directory, name: str, card) -> None:
    page.add_style_tag(content=UNSCROLLED)
    card.screenshot(path=str(directory / name))


def assert_fits(page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    box = page.locator(".lsg-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


# --------------------------------------------------------------------------- the card
#: route -> (opening, what the simulated patient has, viewport width); one conversation per route.
ROUTES = {
    "self_care": ("After a hard leg workout at the gym my thighs were trembling",
                  {"shaking", "after_exercise", "both_legs"}, 360),
    "routine": ("In the evening when I lie down my legs get a creepy crawly feeling and I just have to move them",
                {"urge_to_move", "crawling_sensation", "worse_at_night", "at_rest", "relieved_by_movement",
                 "sleep_disruption", "both_legs", "lasting_weeks"}, 1280),
    "urgent": ("I stopped drinking two days ago after drinking every day for years and now I'm shaking all over",
               {"shaking", "stopped_alcohol", "alcohol_use", "whole_body_shaking", "hands_affected", "both_legs"}, 360),
    "emergency": (EMERGENCY, set(), 360),
}


def pending_question(page) -> str:
    """The feature the assistant's latest question asks about (as a person reads the question)."""
    from bot.knowledge import load_knowledge

    by_text = {f.question: f.id for f in load_knowledge().features.values() if f.question}
    for said in reversed(page.locator(".lsg-bot > p").all_inner_texts()):
        for question, feature in by_text.items():
            if question in said:
                return feature
    raise AssertionError("neither a question nor a card:\n" + "\n".join(transcript(page)))


def consult(page, opening: str, has) -> Any:
    """Open with `opening`, answer each question truthfully in words until the card; the card."""
    type_message(page, opening)
    for _ in range(MAX_TURNS):
        if card_count(page):
            return page.locator(".lsg-card").last
        type_message(page, "yes" if pending_question(page) in has else "no")
    raise AssertionError("no card after %d answers:\n%s" % (MAX_TURNS, "\n".join(transcript(page))))


def fit_words() -> set:
    return {say("presentation.fits_well"), say("presentation.fits_in_part"), say("presentation.fits_weakly")}


@pytest.mark.parametrize("route", list(ROUTES))
def test_the_card_on_every_route(route, page_factory, widget_stack, screenshots):
    opening, has, width = ROUTES[route]
    page = page_factory(width, 740 if width == 360 else 800)
    open_demo(page, widget_stack)
    card = consult(page, opening, has)
    assert card.get_attribute("data-triage") == route
    # The route and what to do now come first: the card's heading, then do_now, before anything else.
    title = card.locator(".lsg-card-title").inner_text().strip()
    assert title and card.locator("h3, h4, p, li").first.inner_text().strip() == title
    assert card.locator(".lsg-card-level .lsg-card-do-now").inner_text().strip()
    assert card.locator(".lsg-card-why li").count() >= 1
    assert card.locator(".lsg-card-disclaimer").inner_text().strip() == say("common.not_a_diagnosis")
    # The card's text (the same card as plain text, for other clients) is not shown beside it.
    assert not any(title in said for said in page.locator(".lsg-bot > p").all_inner_texts())
    # No words of the widget's own: the headings are the server's.
    headings = card.locator("h4").all_inner_texts()
    assert set(headings) <= {say(f"presentation.heading_{s}") for s in ("why", "inferred", "causes", "see_doctor_if")}
    if route == "emergency":
        assert "emergency" in card.locator(".lsg-card-do-now").inner_text().lower()
        for absent in (".lsg-card-causes", ".lsg-card-inferred", ".lsg-card-see-doctor-if", ".lsg-card-more"):
            assert card.locator(absent).count() == 0, f"{absent} beside what to do now on an emergency"
        assert page.locator(".lsg-quick-replies").count() == 0
    else:
        assert say("presentation.heading_see_doctor_if") in headings
        assert card.locator(".lsg-card-see-doctor-if li").count() >= 1
        causes = card.locator(".lsg-card-causes > li")
        assert causes.count() >= 1
        assert set(causes.locator(".lsg-fit").all_inner_texts()) <= fit_words()
        more = card.locator(".lsg-card-more .lsg-more")
        assert say("presentation.more_summary") in more.all_inner_texts()
    assert_fits(page, width)
    if route == "routine":
        assert card.locator(".lsg-card-causes > li").first.get_attribute("data-cause") == "restless_legs_syndrome"
        shoot(page, screenshots, "widget-1280.png", card)
    elif width == 360:
        shoot(page, screenshots, f"widget-360-{route.replace('_', '-')}.png", card)
        shoot_card(page, screenshots, f"widget-360-card-{route.replace('_', '-')}.png", card)


def test_conversation_by_clicking_buttons_at_360px(page_factory, widget_stack, screenshots):
    page = page_factory(360, 740)
    open_demo(page, widget_stack)
    assert_fits(page, 360)
    # Typing indicator: shown in the same tick as the message leaves, gone once the bot answered.
    shown = page.evaluate("""(text) => {
        const input = document.querySelector('.lsg-input');
        input.value = text;
        input.form.requestSubmit();
        return !document.querySelector('.lsg-typing').hidden;
    }""", RLS_OPENING)
    assert shown, "no typing indicator while waiting for the bot"
    wait_turn(page, 0)
    for turn in range(MAX_TURNS):
        if card_count(page):
            break
        if turn == 1:  # one answer keyboard-only: focus the button, press Enter
            page.locator(".lsg-quick-reply", has_text="Yes").first.focus()
            cards = card_count(page)
            page.keyboard.press("Enter")
            wait_turn(page, cards)
        else:
            click_reply(page, "Yes")
    card = page.locator(".lsg-card").last
    card.wait_for()
    assert page.locator(".lsg-typing").is_hidden()
    assert card.get_attribute("data-triage") in {"emergency", "urgent", "routine", "self_care"}
    user_said = [t for t in transcript(page) if t.startswith("You said")]
    assert sum(t.endswith("Yes") for t in user_said) >= 2, "button titles are shown as the user's answers"
    # New messages go into one polite live log.
    assert page.locator(".lsg-log[role='log'][aria-live='polite']").count() == 1
    if card.get_attribute("data-triage") != "emergency":
        # One tap on the card's "more" entries and on the message's buttons.
        before = bot_count(page)
        card.locator(".lsg-more").first.click()
        wait_bot(page, before)
        assert last_user_message(page) == card.locator(".lsg-more").first.inner_text()
        assert_fits(page, 360)


def test_opening_with_the_server_greeting_and_hi_gets_no_second_welcome(page_factory, widget_stack, screenshots):
    page = page_factory(360, 740)
    open_demo(page, widget_stack)
    greeting = transcript(page)
    assert len([t for t in greeting if "symptom guide for legs" in t]) == 1, greeting
    # The privacy notice comes with the greeting, before the first question, and the header says
    # what is kept (PRIVACY_DEFAULT=store in this stack, RETENTION_DAYS 30).
    notice = page.locator(".lsg-bot .lsg-notice").first
    assert "30 days" in notice.inner_text()
    assert page.locator(".lsg-storage").inner_text().strip() == "Kept 30 days"
    assert page.locator(".lsg-storage").get_attribute("data-storage") == "stored"
    assert_fits(page, 360)
    shoot(page, screenshots, "widget-360-greeting.png")

    before = bot_count(page)
    page.get_by_label("Your message to the assistant").fill("hi")
    page.keyboard.press("Enter")
    wait_bot(page, before)
    after = transcript(page)[len(greeting) + 1:]
    assert after and not any("symptom guide for legs" in t for t in after), after


def test_no_after_the_conclusion_closes_kindly_once(page_factory, widget_stack):
    page = page_factory(1280)
    open_demo(page, widget_stack)
    opening, has, _ = ROUTES["self_care"]
    consult(page, opening, has)
    replies = []
    for _ in range(2):
        before = bot_count(page)
        page.get_by_label("Your message to the assistant").fill("no")
        page.keyboard.press("Enter")
        wait_bot(page, before)
        replies.append(page.locator(".lsg-bot").last.inner_text().strip())
    assert all("?" not in reply for reply in replies), replies  # a close, not another question
    assert replies[0] != replies[1], "the same words again"


def test_save_summary_for_my_doctor_as_a_page_and_a_pdf(page_factory, widget_stack):
    import io

    from pypdf import PdfReader

    page = page_factory(360, 740)
    open_demo(page, widget_stack)
    opening, has, _ = ROUTES["routine"]
    card = consult(page, opening, has)
    title = card.locator(".lsg-card-title").inner_text().strip()
    before = bot_count(page)
    card.get_by_role("button", name=say("presentation.more_summary")).click()
    wait_bot(page, before)
    pdf_link = page.locator(".lsg-download[data-kind='pdf']").last
    page_link = page.locator(".lsg-download[data-kind='html']").last
    assert pdf_link.inner_text() == say("widget.ui.summary_pdf")

    pdf = requests.get(pdf_link.get_attribute("href"), timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "attachment" in pdf.headers["Content-Disposition"]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert say("summary.title") in text
    assert title in text
    assert "creepy crawly" in text, "the person's own words"
    assert stored(page)["sessionId"] not in text, "nothing identifying"

    with page.context.expect_page() as opened:
        page_link.click()
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.locator("h1").inner_text() == say("summary.title")
    assert title in printable.locator("body").inner_text()

    forged = page_link.get_attribute("href").replace("/summary/", "/summary/x")
    refused = requests.get(forged, timeout=10)
    assert refused.status_code == 404 and html.escape(say("widget.summary_gone")) in refused.text


# --------------------------------------------------------------------------- privacy (#21)
def open_privacy_menu(page):
    page.get_by_role("button", name=say("widget.ui.privacy_menu")).click()
    menu = page.get_by_role("menu")
    assert menu.is_visible()
    return menu


def test_delete_my_data_from_the_menu_asks_first_then_erases(page_factory, widget_stack):
    page = page_factory(360, 740)
    open_demo(page, widget_stack)
    type_message(page, "my legs shake at night")
    session_id = stored(page)["sessionId"]
    assert eventually(lambda: user_turns_on_server(widget_stack, session_id) >= 2)

    open_privacy_menu(page).get_by_role("menuitem", name=say("privacy.control_forget")).click()
    page.locator(".lsg-quick-replies").get_by_role("button", name=say("privacy.button_confirm_delete")).wait_for()
    assert user_turns_on_server(widget_stack, session_id) >= 2, "nothing is erased before the person confirms"
    page.locator(".lsg-quick-replies").get_by_role("button", name=say("privacy.button_confirm_delete")).click()
    page.wait_for_function("() => [...document.querySelectorAll('.lsg-bot')].some(e => /erased/i.test(e.textContent))",
                           timeout=45_000)
    assert eventually(lambda: user_turns_on_server(widget_stack, session_id) == 0), "the conversation is erased"
    said = transcript(page)
    assert "erased" in said[-1].lower()
    assert not any("shake at night" in t for t in said), "this browser's copy is gone too"
    assert "shake at night" not in json.dumps(stored(page)), "and so is what the page kept in localStorage"


def test_send_me_my_data_from_the_menu_offers_the_json(page_factory, widget_stack):
    page = page_factory(1280)
    open_demo(page, widget_stack)
    type_message(page, "my legs shake at night")
    other = page_factory(1280)
    open_demo(other, widget_stack)
    type_message(other, "my calves cramp after running")

    before = bot_count(page)
    open_privacy_menu(page).get_by_role("menuitem", name=say("privacy.control_export")).click()
    wait_bot(page, before)
    assert "my legs shake at night" in transcript(page)[-1]
    with page.expect_download() as download:
        page.locator(".lsg-download[data-kind='json']").last.click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert exported["conversation_id"] == stored(page)["sessionId"]
    everything = json.dumps(exported)
    assert "my legs shake at night" in everything
    assert "cramp after running" not in everything, "nothing about anyone else"


def server_says(page, message: Dict[str, Any]) -> None:
    """Hand the widget one bot_uttered message, as if from the server (the renderer on its own)."""
    page.evaluate("(m) => window.LegSymptomWidget.socket.listeners('bot_uttered').forEach(f => f(m))", message)


PRIVACY = {"storage": "stored", "retention_days": 30, "operator": "Example Health", "policy_url": "https://example.org/privacy",
           "controls": [{"id": "forget", "title": "Delete my data", "payload": "/delete_my_data"},
                        {"id": "export", "title": "Send me my data", "payload": "/export_my_data"},
                        {"id": "notice", "title": "Privacy notice", "payload": "/privacy_info"}]}


def test_the_privacy_payload_sets_the_header_and_the_menu_and_export_is_a_json_file(page_factory, widget_stack, screenshots):
    """The #21 contract rendered as sent: storage in the header, the controls in a menu, the export
    as a file; and an erase the server reports clears this browser's copy too."""
    page = page_factory(360, 740)
    open_demo(page, widget_stack)
    server_says(page, {"text": "Privacy: this conversation is kept for 30 days.", "custom": {"privacy": PRIVACY}})
    assert page.locator(".lsg-storage").inner_text() == say("widget.ui.storage_stored", days=30)
    menu = open_privacy_menu(page)
    shoot(page, screenshots, "widget-360-privacy-menu.png")
    assert menu.get_by_role("menuitem").all_inner_texts() == [
        "Delete my data", "Send me my data", "Privacy notice", say("widget.ui.privacy_policy", operator="Example Health")]
    page.keyboard.press("Escape")
    assert menu.is_hidden() and page.locator(".lsg-panel").is_visible(), "Escape closes the menu first"

    server_says(page, {"text": "OK: nothing is stored.", "custom": {"privacy": {**PRIVACY, "storage": "not_stored"}}})
    assert page.locator(".lsg-storage").inner_text() == say("widget.ui.storage_not_stored")

    exported = {"conversation_id": "abc", "messages": [{"text": "my legs shake", "at": "2026-12-03T08:00:00"}]}
    server_says(page, {"text": "What is stored: your messages ...", "custom": {"export": exported}})
    with page.expect_download() as download:
        page.get_by_role("link", name=say("widget.ui.export_download")).click()
    assert json.loads(open(download.value.path(), encoding="utf-8").read()) == exported

    server_says(page, {"text": "Done: erased your 2 message(s).", "custom": {"erased": True}})
    said = transcript(page)
    assert len(said) == 1 and "Done: erased" in said[0], said
    assert "my legs shake" not in json.dumps(stored(page)), "this browser's copy is erased too"


def test_reload_keeps_the_conversation(page_factory, widget_stack):
    page = page_factory(1280)
    open_demo(page, widget_stack)
    type_message(page, "my legs shake at night")
    before = transcript(page)
    session_id = stored(page)["sessionId"]
    assert session_id and eventually(lambda: user_turns_on_server(widget_stack, session_id) >= 2)  # greet + description

    page.reload()
    page.wait_for_selector(".lsg-root[data-connection='online']")
    assert transcript(page) == before, "the rendered history is restored"
    assert stored(page)["sessionId"] == session_id
    page.locator(".lsg-quick-replies").wait_for()  # the open question can still be answered

    click_reply(page, "No")
    after = transcript(page)
    assert len(after) > len(before)
    assert not any("symptom guide for legs" in t for t in after[len(before):]), "no new greeting after a reload"
    assert eventually(lambda: user_turns_on_server(widget_stack, session_id) >= 3), "the same server-side conversation goes on"

    # A dropped connection: the widget reconnects by itself, into the same session.
    page.evaluate("() => window.LegSymptomWidget.socket.io.engine.close()")
    page.wait_for_selector(".lsg-root[data-connection='offline']", state="attached")
    page.wait_for_selector(".lsg-root[data-connection='online']", timeout=20_000)
    before = bot_count(page)
    type_message(page, "no")
    assert bot_count(page) > before
    assert eventually(lambda: user_turns_on_server(widget_stack, session_id) >= 4)


def test_restart_button_and_keyboard_only_use(page_factory, widget_stack):
    page = page_factory(1280)
    open_demo(page, widget_stack)
    type_message(page, "my legs shake at night")
    # the whole answer (notice, then the question with its buttons) is in before starting over
    page.get_by_role("button", name="Not sure").last.wait_for(timeout=60_000)

    session_id = stored(page)["sessionId"]
    page.get_by_role("button", name="Start over").click()
    # The screen is cleared at once; the bot's answer to /restart (or, when it says nothing,
    # the greeting the widget asks for) follows.
    assert page.locator(".lsg-bot").count() == 0
    wait_bot(page, 0)
    said = transcript(page)
    assert said[0] == "New conversation"
    assert not any("shake at night" in t for t in said), "the old conversation is cleared from the screen"
    assert stored(page)["sessionId"] == session_id
    assert eventually(lambda: restarted_on_server(widget_stack, session_id)), "/restart reached the server"

    # Escape closes and gives focus back to the launcher; Enter reopens with focus in the input.
    page.get_by_label("Your message to the assistant").focus()
    page.keyboard.press("Escape")
    assert page.locator(".lsg-panel").is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('lsg-launcher')")
    page.keyboard.press("Enter")
    assert page.locator(".lsg-panel").is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('lsg-input')")
    page.keyboard.type("thanks")
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_bot(page, before)
    assert last_user_message(page) == "thanks"


def embed(page, stack, origin: str, **data) -> None:
    """A page of another site (served by Playwright) that embeds the widget with one tag."""
    attrs = " ".join(f'data-{k.replace("_", "-")}="{v}"' for k, v in data.items())
    html = (f'<!doctype html><html lang="en"><title>Host site</title><h1>Host site</h1>'
            f'<script src="{stack.url}/chat/widget.js" {attrs} defer></script></html>')
    page.route(f"{origin}/", lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(f"{origin}/")


def test_embedded_on_another_site_with_one_tag_and_only_allowed_origins(page_factory, widget_stack):
    # Chromium asks before a public site's page talks to a loopback server: grant it, as the
    # test server is on 127.0.0.1 (a real deployment is not).
    page = page_factory(1280, permissions=["local-network-access"])
    embed(page, widget_stack, ALLOWED_ORIGIN, server_url=widget_stack.url, title="Ask about your legs", open="false")
    page.wait_for_selector(".lsg-root[data-connection='online']")
    launcher = page.get_by_role("button", name="Chat: Ask about your legs")
    assert launcher.is_visible() and page.locator(".lsg-panel").is_hidden()
    assert bot_count(page) == 0, "nothing is sent before the person opens the chat"
    launcher.click()
    assert page.get_by_role("heading", name="Ask about your legs").is_visible()
    wait_bot(page, 0)
    assert "not a doctor" in " ".join(transcript(page))

    refused = page_factory(1280, permissions=["local-network-access"])
    embed(refused, widget_stack, REFUSED_ORIGIN, server_url=widget_stack.url, open="true")
    refused.wait_for_function("() => document.querySelector('.lsg-status')?.textContent.includes(\"Can't reach\")")
    assert refused.locator(".lsg-root").get_attribute("data-connection") == "offline"
    assert bot_count(refused) == 0


# --------------------------------------------------------------------------- socket.io level
def in_own_loop(scenario) -> None:
    """Run an async scenario in a thread of its own: the module's sync Playwright owns this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario).result()


async def collect(queue: "asyncio.Queue", until, timeout: float = 45) -> List[Dict[str, Any]]:
    got: List[Dict[str, Any]] = []
    async def drain():
        while True:
            got.append(await queue.get())
            if until(got):
                return
    await asyncio.wait_for(drain(), timeout)
    return got


async def socket_client(stack, session_id: str, **connect_args):
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    # Polling: python-engineio's async websocket client needs aiohttp >= 3.10, Rasa pins 3.9.
    messages: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", messages.put_nowait)
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(stack.url, socketio_path="/socket.io", transports=["polling"], **connect_args)
    await client.emit("session_request", {"session_id": session_id})
    assert await asyncio.wait_for(confirmed.get(), 15) == session_id
    return client, messages


async def hang_up(client) -> None:
    """Disconnect without waiting out the pending long-poll (up to 25 s on polling)."""
    for namespace in client.namespaces:
        await client._send_packet(client.packet_class(4, namespace=namespace))  # 4 = DISCONNECT
    await client.eio.disconnect(abort=True)


def test_session_persistence_delivers_bot_messages(widget_stack):
    """Rasa 3.6.21 never awaits enter_room: with session persistence no bot message would arrive."""
    in_own_loop(_session_persistence_delivers_bot_messages(widget_stack))


async def _session_persistence_delivers_bot_messages(widget_stack):
    pytest.importorskip("socketio")
    session_id = f"socket-test-{uuid.uuid4().hex}"
    client, messages = await socket_client(widget_stack, session_id)
    try:
        await client.emit("user_uttered", {"message": EMERGENCY, "session_id": session_id})
        got = await collect(messages, lambda got: any("custom" in m for m in got))
    finally:
        await hang_up(client)
    assert any("emergency" in m.get("text", "").lower() for m in got)
    conclusion = next(m for m in got if "custom" in m)
    custom = conclusion["custom"]
    assert custom["assessment"]["triage"] == "emergency"  # the DESIGN.md payload, under `custom`
    assert custom["assessment"]["red_flags"]
    # One bot_uttered: the card, and the same card as text for widgets that ignore `custom`.
    assert custom["card"]["level"] == "emergency" and custom["card"]["causes"] == []
    assert conclusion["text"].startswith("⚠️ " + custom["card"]["title"])

    # A second socket joining the same session (a reload, another tab) gets the replies too.
    again, messages = await socket_client(widget_stack, session_id)
    try:
        await again.emit("user_uttered", {"message": "hello", "session_id": session_id})
        got = await collect(messages, lambda got: any("symptom guide" in m.get("text", "") for m in got))
        assert got
    finally:
        await hang_up(again)


def test_get_started_like_rasa_webchat_greets(widget_stack):
    """rasa-webchat opens a conversation by sending its initPayload, /get_started by default."""
    in_own_loop(_get_started_greets(widget_stack))


async def _get_started_greets(widget_stack):
    session_id = f"webchat-{uuid.uuid4().hex}"
    client, messages = await socket_client(widget_stack, session_id)
    try:
        await client.emit("user_uttered", {"message": "/get_started", "session_id": session_id})
        got = await collect(messages, lambda got: any("symptom guide for legs" in m.get("text", "") for m in got))
    finally:
        await hang_up(client)
    assert not any("didn't get any text" in m.get("text", "") for m in got)


def test_a_message_for_another_session_is_dropped(widget_stack):
    in_own_loop(_a_message_for_another_session_is_dropped(widget_stack))


async def _a_message_for_another_session_is_dropped(widget_stack):
    pytest.importorskip("socketio")
    mine, theirs = f"mine-{uuid.uuid4().hex}", f"theirs-{uuid.uuid4().hex}"
    client, messages = await socket_client(widget_stack, mine)
    try:
        await client.emit("user_uttered", {"message": "hello", "session_id": theirs})
        await client.emit("user_uttered", {"message": "hello", "session_id": mine})
        await collect(messages, lambda got: len(got) > 0)
    finally:
        await hang_up(client)
    assert eventually(lambda: user_turns_on_server(widget_stack, mine) == 1)
    assert user_turns_on_server(widget_stack, theirs) == 0


def test_a_disallowed_origin_is_refused(widget_stack):
    in_own_loop(_a_disallowed_origin_is_refused(widget_stack))


async def _a_disallowed_origin_is_refused(widget_stack):
    import socketio
    import websockets
    from websockets.exceptions import InvalidStatusCode

    handshake = f"{widget_stack.url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(handshake, headers={"Origin": REFUSED_ORIGIN}, timeout=10)
    assert refused.status_code == 400
    assert "not an accepted origin" in refused.text
    allowed = requests.get(handshake, headers={"Origin": ALLOWED_ORIGIN}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    same = requests.get(handshake, headers={"Origin": widget_stack.url}, timeout=10)
    assert same.status_code == 200, "the server's own origin (the demo page) is always allowed"

    # The websocket transport (what browsers use) is checked the same way.
    ws_url = widget_stack.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(InvalidStatusCode) as refusal:
        async with websockets.connect(ws_url, origin=REFUSED_ORIGIN):
            pass
    assert refusal.value.status_code == 400
    async with websockets.connect(ws_url, origin=ALLOWED_ORIGIN) as ws:
        assert (await asyncio.wait_for(ws.recv(), 10)).startswith("0{")  # engine.io "open"

    # And a socket.io client sending a refused Origin cannot connect; an allowed one can.
    with pytest.raises(socketio.exceptions.ConnectionError):
        await socket_client(widget_stack, "refused", headers={"Origin": REFUSED_ORIGIN})
    client, _ = await socket_client(widget_stack, f"allowed-{uuid.uuid4().hex}", headers={"Origin": ALLOWED_ORIGIN})
    await hang_up(client)


class RawPolling:
    """A socket.io client spoken by hand over engine.io polling, to send packets no library would."""

    def __init__(self, stack) -> None:
        self.url = f"{stack.url}/socket.io/?EIO=4&transport=polling"
        handshake = requests.get(self.url, timeout=10).text
        self.url += "&sid=" + json.loads(handshake[1:])["sid"]
        self.send("40")
        assert self.receive()[0].startswith("40")

    def send(self, packet: str) -> None:
        reply = requests.post(self.url, data=packet.encode("utf-8"), timeout=10)
        assert reply.status_code == 200 and reply.text.lower() == "ok", reply.text

    def receive(self) -> List[str]:
        """The packets waiting (a long poll: returns as soon as there is one)."""
        return requests.get(self.url, timeout=40).text.split("\x1e")

    def join(self, session_id: str) -> str:
        self.send("42" + json.dumps(["session_request", {"session_id": session_id}]))
        assert self.events("session_confirm") == [session_id]
        return session_id

    def say(self, text: str, session_id: str) -> None:
        self.send("42" + json.dumps(["user_uttered", {"message": text, "session_id": session_id}]))

    def events(self, name: str) -> List[Any]:
        """The next poll's `name` events' payloads (ping packets answered on the way); a few
        long polls (each ends at the server's next ping, 25 s) without one fail the test."""
        for _ in range(4):
            packets = self.receive()
            if "2" in packets:
                self.send("3")
            found = [json.loads(p[2:])[1] for p in packets if p.startswith("42") and json.loads(p[2:])[0] == name]
            if found:
                return found
        raise AssertionError(f"no {name} event from the server")


def test_an_unreadable_packet_gets_a_clear_reply_and_the_socket_goes_on(widget_stack):
    """50,000 levels of nesting made python-socketio raise RecursionError (a traceback in the log,
    no answer); any packet or body the channel cannot read is answered in words."""
    log_before = widget_stack.rasa_log.stat().st_size
    client = RawPolling(widget_stack)
    session_id = client.join(f"raw-{uuid.uuid4().hex}")

    client.send('42["user_uttered",' + "[" * 50_000 + "]" * 50_000 + "]")
    assert client.events("bot_uttered") == [{"text": say("widget.unreadable")}]
    client.send('42["user_uttered",{"message":{"text":"hello"},"session_id":"' + session_id + '"}]')
    assert client.events("bot_uttered") == [{"text": say("widget.unreadable")}]

    client.say("hello", session_id)
    assert any("symptom guide" in m.get("text", "") for m in client.events("bot_uttered"))
    with open(widget_stack.rasa_log, "rb") as log:
        log.seek(log_before)
        logged = log.read().decode(errors="replace")
    assert "RecursionError" not in logged and "Traceback" not in logged


def test_one_session_flooding_gets_one_slow_down_and_the_others_are_answered(widget_stack):
    # One POST per message: engine.io itself refuses a polling payload of more than 16 packets.
    flooder, calm = RawPolling(widget_stack), RawPolling(widget_stack)
    flooder_id, calm_id = flooder.join(f"flood-{uuid.uuid4().hex}"), calm.join(f"calm-{uuid.uuid4().hex}")
    for _ in range(FLOOD_BURST + 20):
        flooder.say("/greet", flooder_id)
    calm.say("hello", calm_id)
    assert any("symptom guide" in m.get("text", "") for m in calm.events("bot_uttered"))

    got: List[Dict[str, Any]] = []
    while not any(m.get("text") == say("service.slow_down") for m in got):
        got += flooder.events("bot_uttered")
    assert eventually(lambda: user_turns_on_server(widget_stack, flooder_id) == FLOOD_BURST, timeout=120)
    assert [m.get("text") for m in got].count(say("service.slow_down")) == 1


def test_the_widget_files_are_served_by_the_rasa_server(widget_stack):
    base = f"{widget_stack.url}/chat"
    demo = requests.get(f"{base}/", timeout=10)
    assert demo.status_code == 200 and 'src="widget.js"' in demo.text
    assert requests.get(base, timeout=10, allow_redirects=False).headers["Location"].endswith("/chat/")
    for name, kind in (("widget.js", "javascript"), ("widget.css", "css"), ("socket.io.min.js", "javascript"),
                       ("texts.js", "javascript")):
        reply = requests.get(f"{base}/{name}", timeout=10)
        assert reply.status_code == 200 and kind in reply.headers["Content-Type"], name
    # The widget's words come from bot/texts.yml, none typed in widget.js.
    words = requests.get(f"{base}/texts.js", timeout=10).text
    assert json.dumps(say("widget.ui.footnote"), ensure_ascii=False) in words
    assert requests.get(f"{base}/../credentials.yml", timeout=10).status_code == 404
    assert requests.get(f"{widget_stack.url}/", timeout=10).text.startswith("Hello from Rasa")
