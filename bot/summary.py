"""A summary to keep: what the person told the assistant, in their own words, the route, the date
and the sources, as text, a print-friendly HTML page and a PDF. Nothing identifying: no sender id,
no name, no whole messages, only the words that carried a symptom. No Rasa import.

    summary = build(events, kb)          # events: the conversation's events as dicts
    render_text(summary) / render_html(summary) / render_pdf(summary)
    token = sign(sender_id)              # for a download link; verify(token) -> sender_id or None

Both the action server (which offers the download) and the Rasa server (whose widget channel
serves it) sign and verify with the same key: SUMMARY_SIGNING_KEY, or var/summary.key created on
first use when the variable is not set (one host only; set the variable when there are several).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import os
import secrets
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.knowledge import KnowledgeBase
from bot.presentation import fit_words, join_words
from bot.settings import settings
from bot.texts import say

Summary = Dict[str, Any]

ROOT = Path(__file__).resolve().parents[1]
KEY_FILE = ROOT / "var" / "summary.key"
TOKEN_TTL_S = 3600
#: Events after which the conversation starts afresh (what came before is not summarised).
_FRESH_START = {"restart", "session_started"}


# --------------------------------------------------------------------------- building
def _current(events: Iterable[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    """The events since the conversation last started afresh (a restart, a new session, start over).
    A session continued after MAX_SESSION_TURNS (bot.rasa_patches.session_rollover) re-sets every
    slot right after its start, so reading from there loses nothing."""
    current: List[Mapping[str, Any]] = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        if event.get("event") in _FRESH_START or event.get("event") == "reset_slots":
            current = []
            continue
        current.append(event)
    return current


def _slots(events: Iterable[Mapping[str, Any]]) -> Dict[str, Any]:
    slots: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot" and isinstance(event.get("name"), str):
            slots[event["name"]] = event.get("value")
    return slots


def _mapping(value: Any) -> Mapping[str, Any]:
    """Slot values come from the tracker store: anything that is not a mapping counts as empty."""
    return value if isinstance(value, Mapping) else {}


def build(events: Iterable[Mapping[str, Any]], kb: KnowledgeBase, today: Optional[dt.date] = None) -> Optional[Summary]:
    """The summary of the current conversation, or None when it has reached no conclusion yet."""
    current = _current(events)
    slots = _slots(current)
    payload = slots.get("assessment")
    assessment = payload.get("assessment") if isinstance(payload, Mapping) else None
    if not isinstance(assessment, Mapping) or assessment.get("triage") not in kb.triage_levels:
        return None
    evidence = _mapping(slots.get("evidence"))
    interview = _mapping(slots.get("interview"))
    inferred = _mapping(interview.get("inferred"))
    words = {f: [q for q in quotes if isinstance(q, str)] for f, quotes in _mapping(interview.get("words")).items()
             if isinstance(quotes, list)}
    level = kb.triage_levels[assessment["triage"]]
    emergency = level.id == "emergency"

    said = []
    for feature, status in evidence.items():
        if feature not in kb.features or feature in inferred or status not in ("present", "absent", "unknown"):
            continue
        said.append({"feature": feature, "label": kb.features[feature].label, "status": status,
                     "words": words.get(feature, [])})
    causes = []
    if not emergency:
        for cause in assessment.get("causes") or []:
            if isinstance(cause, Mapping) and cause.get("id") in kb.causes:
                likelihood = cause.get("likelihood")
                fit = fit_words(float(likelihood)) if isinstance(likelihood, (int, float)) else ""
                causes.append({"name": kb.causes[cause["id"]].name, "fit": fit})
    flags = [kb.red_flags[f["id"]] for f in assessment.get("red_flags") or []
             if isinstance(f, Mapping) and f.get("id") in kb.red_flags]
    source_ids: List[str] = list(level.sources)
    for cause in assessment.get("causes") or []:
        if isinstance(cause, Mapping) and cause.get("id") in kb.causes:
            source_ids += kb.causes[cause["id"]].sources
    for flag in flags:
        source_ids += flag.sources
    sources = []
    for source_id in dict.fromkeys(source_ids):
        source = kb.sources.get(source_id)
        if source is not None:
            sources.append({"title": source.title, "publisher": source.publisher or "", "url": source.url or "",
                            "date": source.date or ""})
    return {
        "title": say("summary.title"),
        "date": (today or dt.date.today()).isoformat(),
        "route": {"level": level.id, "title": level.title, "do_now": level.what_to_do},
        "said": said,
        "inferred": [{"label": kb.features[f].label, "because": kb.features[b].label}
                     for f, b in inferred.items() if f in kb.features and b in kb.features],
        "warning_signs": [flag.name for flag in flags],
        "causes": causes,
        "sources": sources,
        "disclaimer": say("common.not_a_diagnosis"),
    }


# --------------------------------------------------------------------------- rendering
_STATUS_KEY = {"present": "summary.status_present", "absent": "summary.status_absent",
               "unknown": "summary.status_unknown"}


def _said_line(item: Mapping[str, Any]) -> str:
    label = item["label"]
    line = say(_STATUS_KEY[item["status"]], label=label[:1].upper() + label[1:])
    if item["words"]:
        line += " " + say("summary.in_your_words", words=join_words([f"\u201c{w}\u201d" for w in item["words"]], "and"))
    return line


def _sections(summary: Mapping[str, Any]) -> List[tuple]:
    """(heading, lines) in reading order, shared by the three renderings."""
    route = summary["route"]
    sections = [(say("summary.heading_route"), [f"{route['title']}. {route['do_now']}"])]
    if summary["warning_signs"]:
        sections.append((say("summary.heading_warning_signs"), list(summary["warning_signs"])))
    sections.append((say("summary.heading_said"), [_said_line(i) for i in summary["said"]] or [say("summary.nothing_said")]))
    if summary["inferred"]:
        sections.append((say("summary.heading_inferred"),
                         [say("summary.inferred", what=i["label"], because=i["because"]) for i in summary["inferred"]]))
    if summary["causes"]:
        sections.append((say("summary.heading_causes"), [f"{c['name']}: {c['fit']}" for c in summary["causes"]]))
    sections.append((say("summary.heading_sources"), [_source_line(s) for s in summary["sources"]]))
    return sections


def _source_line(source: Mapping[str, str]) -> str:
    parts = [source["title"]] + [source[k] for k in ("publisher", "date", "url") if source.get(k)]
    return ". ".join(parts)


def render_text(summary: Mapping[str, Any]) -> str:
    """Plain text with single line breaks (Rasa splits a text into messages at blank lines)."""
    lines = [f"{summary['title']} ({summary['date']})"]
    for heading, items in _sections(summary):
        lines.append(f"{heading}:")
        lines.extend(f"• {item}" for item in items)
    lines.append(summary["disclaimer"])
    return "\n".join(lines)


def render_html(summary: Mapping[str, Any]) -> str:
    """A self-contained, print-friendly page (no scripts, no external resources)."""
    e = html.escape
    body = [f"<h1>{e(summary['title'])}</h1>", f"<p class=\"date\">{e(summary['date'])}</p>"]
    for heading, items in _sections(summary):
        body.append(f"<h2>{e(heading)}</h2><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
    body.append(f"<p class=\"disclaimer\">{e(summary['disclaimer'])}</p>")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{e(summary['title'])}</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:42rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#111}"
        "h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.2rem}.date,.disclaimer{color:#444}"
        "@media print{body{margin:0;max-width:none}a{color:#111}}"
        "</style></head><body>" + "".join(body) + "</body></html>"
    )


def _font_path() -> Path:
    """DejaVu Sans, as shipped inside matplotlib (a Rasa dependency): Unicode text, no download."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def render_pdf(summary: Mapping[str, Any]) -> bytes:
    """The summary as a PDF (fpdf2), in a Unicode font so the person's own words print as typed."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(summary["title"])
    pdf.set_creator("leg-triage assistant")
    pdf.add_font("DejaVu", "", str(_font_path()))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("DejaVu", size=16)
    pdf.multi_cell(width, 8, summary["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.multi_cell(width, 6, summary["date"], new_x="LMARGIN", new_y="NEXT")
    for heading, items in _sections(summary):
        pdf.ln(3)
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(width, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        for item in items:
            pdf.multi_cell(width, 5.5, f"• {item}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=9)
    pdf.multi_cell(width, 5, summary["disclaimer"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --------------------------------------------------------------------------- download tokens
def _key() -> bytes:
    configured = settings().summary_signing_key.get_secret_value()
    if configured:
        return configured.encode()
    try:
        return KEY_FILE.read_bytes()
    except FileNotFoundError:
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        try:
            fd = os.open(KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # the other process made it first
            return KEY_FILE.read_bytes()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(sender_id: str, ttl_s: int = TOKEN_TTL_S, now: Optional[float] = None) -> str:
    """A URL-safe token that names the conversation and expires: `<body>.<signature>`."""
    expires = int((time.time() if now is None else now) + ttl_s)
    body = _b64(f"{expires}:{sender_id}".encode())
    mac = hmac.new(_key(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token: str, now: Optional[float] = None) -> Optional[str]:
    """The sender id a valid, unexpired token names; None for anything else."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 600:
        return None
    body, mac = token.split(".")
    try:
        expected = hmac.new(_key(), body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        expires, _, sender = _unb64(body).decode().partition(":")
        if int(expires) < (time.time() if now is None else now) or not sender:
            return None
        return sender
    except (ValueError, UnicodeDecodeError):
        return None
