"""Hostile inputs: what people (and scripts) actually send to a chat endpoint.

Each entry: (name, text). Every one must get a 2xx, a sensible answer (some text, never the
"having trouble" reply, never an error), and leave the server up.
"""
from __future__ import annotations

import re
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
    ("arabic (rtl)", "ساقي ترتجف في الليل"),
    ("hebrew (rtl)", "הרגליים שלי רועדות"),
    ("right-to-left override", "\u202eTHGIN TA EKAHS SGEL YM"),
    ("mixed direction", "my legs רועדות at night ليل"),
    ("french", "mes jambes tremblent la nuit"),
    ("german", "Meine Beine zittern nachts"),
    ("spanish", "me tiemblan las piernas por la noche"),
    ("chinese", "我的腿晚上发抖"),
    ("japanese", "私の足が震える"),
    ("russian", "Мои ноги дрожат ночью"),
    ("hindi", "मेरे पैर कांपते हैं"),
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
#: never sees those, so they are not sent that way. A "/command@name" is addressed to another bot
#: (groups): the channel ignores it by design, so it gets no answer either.
TELEGRAM_MAX = 4096


def telegram_can_carry(text: str) -> bool:
    addressed_elsewhere = re.match(r"^/\w+@", text.strip()) is not None
    return bool(text.strip()) and len(text) <= TELEGRAM_MAX and not addressed_elsewhere
