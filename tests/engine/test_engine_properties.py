"""Property-based checks of the safety and consistency rules (hypothesis)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import MAX_QUESTIONS, PAYLOAD_MAX_CAUSES, assess, next_question
from bot.knowledge import load_knowledge

KB = load_knowledge()
FEATURES = sorted(KB.features)
STATES = ["present", "absent", "unknown"]

evidence_st = st.dictionaries(st.sampled_from(FEATURES), st.sampled_from(STATES), max_size=14)
witness_st = st.sampled_from(
    [(rf.id, tuple(sorted(w))) for rf in KB.red_flags.values() for w in rf.when.witnesses()]
)
# (cause, feature) pairs where the cause requires the feature, expects it, or leans on it strongly
strong_st = st.sampled_from(
    sorted(
        (c.id, f)
        for c in KB.causes.values()
        for f in c.supports
        if f in c.required or f in c.typical or c.supports[f] >= 1.5
    )
)
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)


@SETTINGS
@given(evidence_st, witness_st)
def test_adding_a_red_flags_features_never_lowers_the_level(evidence, flag):
    flag_id, witness = flag
    before = assess(evidence)
    after = assess({**evidence, **{f: "present" for f in witness}})
    assert KB.rank(after.triage) <= KB.rank(before.triage)
    assert KB.rank(after.triage) <= KB.rank(KB.red_flags[flag_id].level)
    if KB.red_flags[flag_id].level == "emergency":
        assert after.triage == "emergency" and after.can_conclude


@SETTINGS
@given(evidence_st, strong_st)
def test_marking_a_feature_absent_never_raises_a_cause_that_relies_on_it(evidence, pair):
    cause_id, feature = pair
    before = next(c for c in assess(evidence).causes if c.id == cause_id)
    after = next(c for c in assess({**evidence, feature: "absent"}).causes if c.id == cause_id)
    assert after.likelihood <= before.likelihood + 1e-12


@SETTINGS
@given(evidence_st)
def test_results_are_deterministic_and_order_independent(evidence):
    first = assess(evidence).to_payload()
    assert assess(dict(evidence)).to_payload() == first
    assert assess(dict(reversed(list(evidence.items())))).to_payload() == first
    assert next_question(evidence) == next_question(dict(reversed(list(evidence.items()))))


@SETTINGS
@given(evidence_st)
def test_payload_is_always_well_formed(evidence):
    a = assess(evidence)
    payload = a.to_payload()
    assert set(payload) == {"assessment"}
    body = payload["assessment"]
    assert {"triage", "causes", "red_flags", "evidence", "version"} <= set(body)
    assert body["triage"] in KB.triage_levels and body["version"] == 1
    assert len(body["causes"]) <= PAYLOAD_MAX_CAUSES
    likelihoods = [c["likelihood"] for c in body["causes"]]
    assert likelihoods == sorted(likelihoods, reverse=True)
    present = {f for f, v in evidence.items() if v == "present"}
    absent = {f for f, v in evidence.items() if v == "absent"}
    for c in body["causes"]:
        assert c["id"] in KB.causes and 0.0 <= c["likelihood"] <= 1.0
        assert set(c["because"]) <= present
        assert set(c["against"]) <= present | absent
    for rf in body["red_flags"]:
        assert rf["id"] in KB.red_flags and rf["level"] == KB.red_flags[rf["id"]].level
    assert set(body["evidence"]["present"]) == present and set(body["evidence"]["absent"]) == absent
    assert a.emergency == (a.triage == "emergency")
    # the triage is never below any red flag that fired, nor below a leading cause's route
    for hit in a.red_flags:
        assert KB.rank(a.triage) <= KB.rank(hit.level)
    for cause_id in a.leading:
        assert KB.rank(a.triage) <= KB.rank(KB.causes[cause_id].triage)
    assert all(0.0 <= c.likelihood <= 1.0 for c in a.causes) and len(a.causes) == len(KB.causes)


@SETTINGS
@given(evidence_st, st.lists(st.sampled_from(FEATURES), max_size=MAX_QUESTIONS + 2, unique=True))
def test_next_question_never_repeats_and_respects_the_budget(evidence, asked):
    q = next_question(evidence, asked)
    if len(asked) >= MAX_QUESTIONS or assess(evidence).emergency:
        assert q is None
    if q is not None:
        assert q.feature_id not in evidence and q.feature_id not in asked
        assert q.text == KB.features[q.feature_id].question


@settings(max_examples=40, deadline=None, derandomize=True)
@given(evidence_st.filter(lambda e: len(e) <= 4), st.sampled_from(["unknown", "absent", "present"]))
def test_every_interview_ends_within_the_budget(opening, answer):
    evidence, asked = dict(opening), []
    for _ in range(MAX_QUESTIONS + 1):
        q = next_question(evidence, asked)
        if q is None:
            break
        asked.append(q.feature_id)
        evidence[q.feature_id] = answer
    assert len(asked) <= MAX_QUESTIONS
    assert next_question(evidence, asked) is None or len(asked) < MAX_QUESTIONS
