"""How a free-text reply answers the question the assistant just asked. Pure Python, no Rasa.

    read_answer("not that I know of", "diabetes", said={})          -> "no"
    read_answer("a bit, mostly in the evenings", "worse_at_night", said={})  -> "partly"
    read_answer("no, his face is fine", "face_droop", said={"face_droop": "absent"}) -> "no"

Order of evidence (the first that speaks decides):
1. a short reply cue at the very start ("yes", "nope", "not sure", "a bit", "I don't think so");
2. what the message says about the asked feature itself (the symptom extractor found it, present or
   denied, or a feature it excludes: "both legs" answers "only one leg?" with no), and the answer
   phrases the knowledge base declares for that question ("it crept up over months" to the onset
   question: features.yml ``answers:``);
3. a reply cue anywhere in the first sentence;
4. the intent classifier's affirm / deny / unsure;
otherwise the message did not answer (``NO_ANSWER``).
"""
from __future__ import annotations

import re
from typing import Mapping, Optional, Sequence

YES, NO, UNSURE, PARTLY, NO_ANSWER = "yes", "no", "unsure", "partly", "none"
READINGS = (YES, NO, UNSURE, PARTLY)
#: How each reading is recorded as evidence for the asked feature ("partly" is a qualified yes).
EVIDENCE_OF = {YES: "present", PARTLY: "present", NO: "absent", UNSURE: "unknown"}
_INTENT_READING = {"affirm": YES, "deny": NO, "unsure": UNSURE}

# Reply cues, longest first within each list at matching time. Written as people type them.
_UNSURE = [
    "i'm not sure", "im not sure", "i am not sure", "i'm not certain", "i'm unsure", "i don't know",
    "i dont know", "i do not know", "not sure", "not certain", "not too sure", "unsure", "don't know", "dont know", "do not know", "dunno",
    "idk", "no idea", "no clue", "not a clue", "can't say", "cant say", "cannot say", "hard to say",
    "can't tell", "cant tell", "hard to tell", "can't remember", "cant remember", "don't remember",
    "dont remember", "not that i remember", "maybe", "perhaps", "possibly", "might be", "could be",
    "who knows", "haven't checked", "never checked", "not checked", "haven't noticed either way",
    "no se", "je ne sais pas", "weiss nicht", "i wonder", "hmm", "hm", "🤷", "🤔", "unknown",
]
_NO = [
    "not that i know of", "not that i'm aware of", "not that im aware of", "not as far as i know",
    "not that i've noticed", "not that ive noticed", "not that i noticed", "don't think so", "dont think so",
    "i don't think", "i dont think", "do not think so", "not really", "not at all", "not much",
    "not recently", "not lately", "not anymore", "not any more", "none at all", "absolutely not",
    "definitely not", "certainly not", "of course not", "no way", "nope", "nah", "naw", "nay", "no",
    "negative", "nein", "non", "nee", "nie", "👎", "❌",
    "i don't", "i dont", "i do not", "i haven't", "i havent", "i have not", "i'm not", "im not",
    "i am not", "it doesn't", "it doesnt", "it does not", "it isn't", "it isnt", "it's not", "its not",
    "they don't", "they dont", "she doesn't", "she doesnt", "he doesn't", "he doesnt", "she isn't",
    "he isn't", "she's not", "he's not", "she hasn't", "he hasn't", "doesn't", "doesnt", "don't",
    "dont", "isn't", "isnt", "aren't", "arent", "haven't", "havent", "hasn't", "hasnt", "didn't",
    "didnt", "wasn't", "wasnt", "weren't", "won't", "no such",
]
_PARTLY = [
    "a bit", "a little", "a little bit", "a tad", "bit", "slightly", "sometimes", "occasionally",
    "now and then", "now and again", "every now and then", "on and off", "off and on", "kind of",
    "kinda", "sort of", "sorta", "somewhat", "a few times", "once or twice", "at times", "partly",
    "in a way", "not always", "here and there", "mildly", "yes and no", "yes or no", "a touch",
    "from time to time", "some days", "some nights", "some", "not often", "rarely", "hardly",
    "only a bit", "only a little", "only sometimes", "half", "ish", "mostly", "more or less",
    "little bit", "lil bit", "not all the time", "not every time", "not every day", "not every night",
    "not constantly", "on occasion", "every so often", "wears off", "a couple of times",
]
_YES = [
    "i think so", "think so", "i believe so", "that's right", "thats right", "that's it", "you got it",
    "of course", "for sure", "yes", "yeah", "yea", "yep", "yup", "ya", "yah", "ye", "yas", "yess",
    "aye", "sure", "definitely", "absolutely", "certainly", "correct", "right", "true", "indeed",
    "totally", "def", "defo", "deffo", "100%", "exactly", "affirmative", "uh huh", "uh-huh", "mhm",
    "oui", "si", "sí", "ja", "da", "tak", "👍", "✅", "👌", "probably", "likely", "i guess", "i suppose",
    "guess so", "suppose so",
]
# Cues that only count when nothing more specific speaks (a leading "it's" or "really" says little:
# "it's constant" answers "does it come and go?" with no, through the question's own answers).
_WEAK = {
    # (not "it's", "i'm", "i have": "it's when I sit down" or "I'm on my lunch break" say nothing
    # about the question, and a misread yes to a warning-sign question would escalate)
    YES: ["i do", "i did", "it does", "it did", "they do", "she does", "he does", "she did", "he did",
          "we do", "all the time", "always", "constantly", "every time", "every night", "every day",
          "loads", "lots", "very much", "big time", "massively", "probably", "likely", "i guess",
          "i suppose", "i think it does", "i am", "she is", "he is", "it is"],
    NO: ["fine", "all fine", "normal", "all normal", "looks normal", "seems fine", "never", "nothing",
         "none", "not", "neither", "nothing like that"],
    PARTLY: ["only when", "only on", "only if", "only after", "only during", "only with", "only in the"],
}
_ORDER = [(UNSURE, _UNSURE), (NO, _NO), (PARTLY, _PARTLY), (YES, _YES)]
_ORDER_WEAK = [(NO, _WEAK[NO]), (PARTLY, _WEAK[PARTLY]), (YES, _WEAK[YES])]
_WORDS_RE = re.compile(r"[a-z0-9%']+|[?]|[^\sa-z0-9%'.,;:!]+")


def _cue_tokens(cue: str) -> tuple[str, ...]:
    return tuple(_WORDS_RE.findall(cue.lower()))


_STRONG_CUES = sorted(
    ((_cue_tokens(cue), reading) for reading, cues in _ORDER for cue in cues),
    key=lambda item: -len(item[0]),  # longest cue first: "not sure" before "not"
)
_WEAK_CUES = sorted(
    ((_cue_tokens(cue), reading) for reading, cues in _ORDER_WEAK for cue in cues),
    key=lambda item: -len(item[0]),
)
_ALL_CUES = sorted(_STRONG_CUES + _WEAK_CUES, key=lambda item: -len(item[0]))


def tokens(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "nooo" -> "noo", "yesss" -> "yess"
    text = re.sub(r"\b(no+|yes+|ye+s+|nah+|yea+h*)\b", lambda m: _squash(m.group(0)), text)
    return _WORDS_RE.findall(text)


def _squash(word: str) -> str:
    if word.startswith("n"):
        return "nah" if word.startswith("na") else "no"
    return "yeah" if "a" in word else "yes"


def _cue_at(words: Sequence[str], i: int, weak: bool = True) -> Optional[tuple[str, int]]:
    for cue, reading in (_ALL_CUES if weak else _STRONG_CUES):
        if not weak and reading == YES and cue in _WEAK_TOKENS:
            continue
        if tuple(words[i:i + len(cue)]) == cue:
            return reading, len(cue)
    return None


def _first_sentence(text: str) -> str:
    parts = re.split(r"(?<=[.!;\n])\s+|\bbut\b|\bthough\b|\balthough\b", text.lower(), maxsplit=1)
    return parts[0] if parts else text


_WEAK_TOKENS = frozenset(cue for cue, _ in _WEAK_CUES)


_FILLERS = frozenset({"well", "um", "umm", "erm", "uh", "uhh", "oh", "ah", "hmm", "so", "honestly", "lol",
                      "haha", "tbh", "ok", "okay", "right", "mm", ",", "-", "...", "?", "!", "hi", "hello",
                      "actually", "sorry"})
# Cues that are an answer word, not a verb phrase: a leading "no" is a no whatever follows,
# while "I haven't ..." may be the start of a symptom ("I haven't been able to pee").
_INTERJECTIONS = frozenset(
    _cue_tokens(c) for c in ("yes", "yeah", "yea", "yep", "yup", "ya", "yah", "ye", "aye", "yess", "yas", "sure",
                             "definitely", "absolutely", "correct", "true", "indeed", "of course", "no", "nope",
                             "nah", "naw", "nay", "no way", "not really", "not at all", "definitely not",
                             "absolutely not", "certainly not", "of course not", "negative", "nein", "non"))


def _leading(text: str, within: int = 3) -> Optional[tuple[str, tuple[str, ...]]]:
    """The first reply cue, if it opens the message (after fillers such as "well," or an echo
    of the question ending in "?": "weak? nah"): (reading, cue words)."""
    words = tokens(text)
    if words and words[0] == "not" and (len(words) == 1 or words[1] not in ("sure", "certain", "too")):
        return NO, ("not",)  # "not drooping", "not really": a leading "not" answers no
    if text.strip() in ("?", "??", "???"):
        return UNSURE, ("?",)
    if "?" in words[:4]:
        words = words[words.index("?") + 1:]
    i = 0
    while i < len(words) and i < within and words[i] in _FILLERS:
        i += 1
    if i >= len(words):
        return None
    for cue, reading in _STRONG_CUES:
        if reading == YES and cue in _WEAK_TOKENS:
            continue
        if tuple(words[i:i + len(cue)]) == cue:
            reading = _refine(reading, words[i + len(cue):i + len(cue) + 6])
            return reading, cue
    return None


def opens_with_answer_word(text: str) -> bool:
    """Does the message open with an answer word ("no, ...", "yes but ...", "not sure")? A verb phrase
    ("I don't want to do this any more") does not count: it may be a request."""
    found = _leading(text)
    return found is not None and (found[1] in _INTERJECTIONS or found[0] in (UNSURE, PARTLY) or found[1] == ("not",))


def leading_cue(text: str, within: int = 3) -> Optional[str]:
    """The reading of a reply cue that opens the message, if any."""
    found = _leading(text, within)
    return found[0] if found else None


def _refine(reading: str, after: Sequence[str]) -> str:
    """'yes, a bit' is partly; 'no, not really' stays no."""
    if reading == YES:
        for j in range(len(after)):
            found = _cue_at(after, j)
            if found and found[0] == PARTLY:
                return PARTLY
    return reading


def any_cue(text: str) -> Optional[str]:
    """The first strong reply cue in the first sentence, else the first weak one."""
    words = tokens(_first_sentence(text))
    for weak in (False, True):
        for i in range(len(words)):
            found = _cue_at(words, i, weak=weak)
            if found:
                reading, length = found
                return _refine(reading, words[i + length:i + length + 6])
    return None


def _partly_in(text: str) -> bool:
    words = tokens(_first_sentence(text))
    return any((_cue_at(words, i) or ("", 0))[0] == PARTLY for i in range(len(words)))


_NUM_RANGE_RE = re.compile(r"\{num:(\d+)-(\d+)\}")


def _phrase_in(text: str, phrases: Sequence[str]) -> bool:
    """Does any phrase occur as whole words? "{num:A-B}" in a phrase is a number in that range
    ("i'm {num:18-59}" answers "are you over 60?" with no)."""
    words = tokens(text)
    low = " " + " ".join(words) + " "
    for phrase in phrases:
        m = _NUM_RANGE_RE.search(phrase)
        if not m:
            if f" {' '.join(tokens(phrase))} " in low:
                return True
            continue
        lo, hi = int(m.group(1)), int(m.group(2))
        before = tokens(phrase[:m.start()])
        after = tokens(phrase[m.end():])
        for i, w in enumerate(words):
            if w.isdigit() and lo <= int(w) <= hi:
                if words[max(0, i - len(before)):i] == before and words[i + 1:i + 1 + len(after)] == after:
                    return True
    return False


def read_answer(
    text: str,
    feature: str,
    said: Mapping[str, str],
    intent: Optional[str] = None,
    answer_phrases: Optional[Mapping[str, Sequence[str]]] = None,
    excludes: Sequence[str] = (),
) -> str:
    """How ``text`` answers the question about ``feature`` (see the module docstring).

    ``said``: what the extractor found in the message (feature -> "present" | "absent").
    ``answer_phrases``: the question's own answers from the knowledge base ({"yes": [...], "no": [...]}).
    ``excludes``: features that cannot be present with ``feature`` (one leg / both legs).
    """
    text = text if isinstance(text, str) else ""
    if not text.strip():
        return NO_ANSWER
    opening = _leading(text)
    lead = opening[0] if opening else None
    if opening is not None and lead in (YES, NO) and feature in said and opening[1] not in _INTERJECTIONS:
        # "I haven't been able to pee since this morning": the opening words belong to the symptom
        lead = None
    if lead in (YES, NO, UNSURE):
        # A reply that opens with yes / no / not sure means it ("no, breathing's fine" is a no even
        # if a word in it looks like the symptom); "yes, a bit" is partly.
        return PARTLY if lead == YES and _partly_in(text) else lead
    if lead == PARTLY and said.get(feature) != "absent":
        return PARTLY
    if feature in said:
        if said[feature] == "present":
            return PARTLY if _partly_in(text) else YES
        return NO
    if any(said.get(other) == "present" for other in excludes):
        return NO
    for reading in (NO, YES, PARTLY, UNSURE):  # the question's own answers, "no" forms first
        if _phrase_in(text, (answer_phrases or {}).get(reading, ())):
            return reading
    cue = any_cue(text)
    if cue is not None:
        return cue
    return _INTENT_READING.get(intent or "", NO_ANSWER)
