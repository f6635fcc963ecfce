"""Evidence -> ranked causes, red flags, triage level, advice and the next question.

Pure Python over the knowledge base (bot.knowledge); no Rasa import.

Evidence is a mapping ``feature id -> "present" | "absent" | "unknown"`` ("unknown": asked, but the
user was not sure). Unknown feature ids or values raise ValueError.

Likelihood model (per cause, independent, explainable)
------------------------------------------------------
A naive-Bayes-like score in log-odds, then the logistic function::

    score(c) = logit(prior_c)
             + sum of supports[c][f]          for each present f
             - sum of against[c][f]           for each present f
             - REQUIRED_ABSENT (4.0)          for each required f marked absent
             - REQUIRED_NOT_ESTABLISHED (0.5) for each required f not (yet) present or absent
             - TYPICAL_ABSENT (1.0)           for each typical f marked absent
    likelihood(c) = 1 / (1 + exp(-score(c)))

Causes are ranked by score (ties by file order). Because every cause is scored on its own, marking a
feature absent can only lower the causes that use it, and adding a present feature can only lower
the causes it counts against.

Triage
------
The most urgent of: every red flag that fires (its condition over present features), the
``triage`` of every *leading* cause (likelihood >= LEAD_MIN), ``UNEXPLAINED_FLOOR`` (routine) when
a symptom or sign is present (a feature of SYMPTOM_GROUPS) but no cause leads -- symptoms that
nothing explains deserve a doctor's look -- and ``self_care``. A red flag can therefore only raise
the level; an emergency red flag always gives ``emergency``. The loader checks that no red-flag
feature counts against a cause more urgent than that red flag, and every red flag is at least as
urgent as the floor, so adding the features of a red flag never lowers the level.

Advice
------
Tips come from the top causes (at most ADVICE_CAUSES), without repeats, skipping those whose
``avoid_when`` holds or whose ``only_when`` does not (no massage with a swollen calf, no "stop
drinking" to a daily drinker), with the safety tips that depend only on what was said (``only_when``
and no causes: foot care for a diabetic with numb feet) first. In an emergency there are no tips;
when an urgent red flag fires, only those safety tips remain: what to do now comes first.

``can_conclude`` is True when an emergency red flag fires, or when the top cause has likelihood
>= CONCLUDE_MIN, leads the runner-up by >= CONCLUDE_MARGIN in log-odds, and each of its required
and typical features that can be asked about is in the evidence (present, absent or unknown).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from bot.knowledge import Cause, KnowledgeBase, RedFlag, Tip, load_knowledge

__all__ = [
    "Advice",
    "Assessment",
    "Question",
    "RankedCause",
    "RedFlagHit",
    "MAX_QUESTIONS",
    "PRESENT",
    "ABSENT",
    "UNKNOWN",
    "advice_for",
    "assess",
    "next_question",
]

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
STATES = frozenset({PRESENT, ABSENT, UNKNOWN})

#: The interview asks at most this many follow-up questions.
MAX_QUESTIONS = 8

REQUIRED_ABSENT = 4.0
REQUIRED_NOT_ESTABLISHED = 0.5
TYPICAL_ABSENT = 1.0
#: A cause with at least this likelihood "leads" and its triage counts.
LEAD_MIN = 0.5
#: Causes listed in the payload: likelihood at least this, at most PAYLOAD_MAX_CAUSES of them.
PAYLOAD_MIN = 0.2
PAYLOAD_MAX_CAUSES = 5
CONCLUDE_MIN = 0.6
CONCLUDE_MARGIN = 1.0
#: Tips and see-a-doctor lines come from at most this many top causes.
ADVICE_CAUSES = 2
MAX_TIPS = 8
#: With a symptom present and no leading cause, the route is at least this level.
UNEXPLAINED_FLOOR = "routine"
#: Feature groups that count as a symptom or sign for UNEXPLAINED_FLOOR.
SYMPTOM_GROUPS = frozenset({"movement", "sensation", "sign"})
#: When a red flag at least this urgent fires, cause-based self-care tips give way.
TIPS_GIVE_WAY_AT = "urgent"

# next_question policy constants (see next_question's docstring)
P_REQUIRED, P_TYPICAL, P_AGAINST = 0.9, 0.75, 0.05
P_BASE_CAUSE_FEATURE, P_BASE_OTHER = 0.1, 0.03
ROUTE_WEIGHT = 0.5
CONFIRM_WEIGHT = 0.5
CONFIRM_MIN = 0.3
SCREEN_WEIGHT = 0.6
LEVEL_SCREEN_WEIGHT = {"emergency": 1.0, "urgent": 0.7, "routine": 0.4}
MIN_QUESTION_SCORE = 0.08
MIN_QUESTION_SCORE_CONCLUDED = 0.15


# --------------------------------------------------------------------------- result types
@dataclass(frozen=True)
class RankedCause:
    id: str
    name: str
    likelihood: float
    score: float  # log-odds
    because: list[str]  # present features supporting it, strongest first
    against: list[str]  # present features counting against it, then required/typical marked absent


@dataclass(frozen=True)
class RedFlagHit:
    id: str
    level: str
    name: str
    because: list[str]
    what_to_do: str


@dataclass(frozen=True)
class Advice:
    """What the dialogue needs to reply, derived from an assessment."""

    triage: str
    title: str  # the triage level's title
    what_to_do: str  # the triage level's what_to_do
    red_flag_actions: list[str]  # what_to_do of the red flags that fired, most urgent first
    tips: list[Tip]  # self-care tips for the top causes, no repeats (none in an emergency)
    see_doctor_if: list[str]  # "see a doctor if ..." lines for the top causes (never empty)
    doctor_summary: str  # what to tell a doctor, in the user's words


@dataclass(frozen=True)
class Assessment:
    causes: list[RankedCause]  # all causes, best first
    red_flags: list[RedFlagHit]  # most urgent first
    triage: str
    can_conclude: bool
    emergency: bool
    leading: list[str]  # ids of causes whose triage counted (likelihood >= LEAD_MIN)
    evidence: Mapping[str, str]  # the validated evidence, in knowledge-base feature order
    advice: Advice = field(repr=False, compare=False)

    @property
    def top(self) -> Optional[RankedCause]:
        return self.causes[0] if self.causes else None

    def to_payload(self) -> dict[str, Any]:
        """The DESIGN.md assessment payload (a json_message body)."""
        shown = [c for c in self.causes if c.likelihood >= PAYLOAD_MIN][:PAYLOAD_MAX_CAUSES]
        return {
            "assessment": {
                "triage": self.triage,
                "causes": [
                    {
                        "id": c.id,
                        "likelihood": round(c.likelihood, 2),
                        "because": list(c.because),
                        "against": list(c.against),
                    }
                    for c in shown
                ],
                "red_flags": [{"id": h.id, "level": h.level} for h in self.red_flags],
                "evidence": {
                    "present": [f for f, v in self.evidence.items() if v == PRESENT],
                    "absent": [f for f, v in self.evidence.items() if v == ABSENT],
                },
                "version": 1,
            }
        }


@dataclass(frozen=True)
class Question:
    feature_id: str
    text: str
    score: float = 0.0
    reason: str = ""


# --------------------------------------------------------------------------- compiled model
@dataclass(frozen=True)
class _Model:
    kb: KnowledgeBase
    causes: tuple[Cause, ...]
    base: tuple[float, ...]  # prior logit minus the not-established penalty of every required feature
    # feature -> ((cause index, delta if present, delta if absent), ...); unknown changes nothing
    deltas: Mapping[str, tuple[tuple[int, float, float], ...]]
    feature_order: Mapping[str, int]
    red_flags: tuple[RedFlag, ...]
    # P(feature present | cause), for the question policy
    p_present: Mapping[str, tuple[float, ...]]
    flags_by_feature: Mapping[str, tuple[RedFlag, ...]]
    cause_index: Mapping[str, int]
    symptoms: frozenset[str]  # features of SYMPTOM_GROUPS


@functools.lru_cache(maxsize=8)
def _model(kb: KnowledgeBase) -> _Model:
    causes = tuple(kb.causes.values())
    base = tuple(c.prior_logit - REQUIRED_NOT_ESTABLISHED * len(c.required) for c in causes)
    deltas: dict[str, list[tuple[int, float, float]]] = {}
    p_present: dict[str, list[float]] = {}
    used = frozenset().union(*(c.features() for c in causes))
    warning_signs = {f for f in kb.red_flag_features() if kb.features[f].group == "sign"}
    p_base = {
        f: (P_BASE_CAUSE_FEATURE if f in used and f not in warning_signs else P_BASE_OTHER) for f in kb.features
    }
    for f in kb.features:
        p_present[f] = [p_base[f]] * len(causes)
    for i, c in enumerate(causes):
        for f in c.features():
            present = c.supports.get(f, 0.0) - c.against.get(f, 0.0)
            absent = 0.0
            if f in c.required:
                present += REQUIRED_NOT_ESTABLISHED
                absent = -REQUIRED_ABSENT + REQUIRED_NOT_ESTABLISHED
                p_present[f][i] = P_REQUIRED
            elif f in c.typical:
                absent = -TYPICAL_ABSENT
                p_present[f][i] = P_TYPICAL
            elif f in c.supports:
                p_present[f][i] = min(0.7, 0.25 + 0.1 * c.supports[f])
            else:
                p_present[f][i] = P_AGAINST
            deltas.setdefault(f, []).append((i, present, absent))
    flags_by_feature: dict[str, list[RedFlag]] = {}
    for rf in kb.red_flags.values():
        for f in rf.when.features():
            flags_by_feature.setdefault(f, []).append(rf)
    return _Model(
        kb=kb,
        causes=causes,
        base=base,
        deltas={f: tuple(v) for f, v in deltas.items()},
        feature_order={f: i for i, f in enumerate(kb.features)},
        red_flags=tuple(kb.red_flags.values()),
        p_present={f: tuple(v) for f, v in p_present.items()},
        flags_by_feature={f: tuple(v) for f, v in flags_by_feature.items()},
        cause_index={c.id: i for i, c in enumerate(causes)},
        symptoms=frozenset(f for f, feat in kb.features.items() if feat.group in SYMPTOM_GROUPS),
    )


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _validate(evidence: Mapping[str, str], m: _Model) -> dict[str, str]:
    if not isinstance(evidence, Mapping):
        raise ValueError("evidence must be a mapping of feature id to 'present', 'absent' or 'unknown'")
    order = m.feature_order
    for f, v in evidence.items():
        if f not in order:
            raise ValueError(f"unknown feature id: {f!r}")
        if v not in STATES:
            raise ValueError(f"evidence for {f!r} must be 'present', 'absent' or 'unknown', not {v!r}")
    return {f: evidence[f] for f in sorted(evidence, key=order.__getitem__)}


def _scores(ev: Mapping[str, str], m: _Model) -> list[float]:
    scores = list(m.base)
    deltas = m.deltas
    for f, v in ev.items():
        if v == UNKNOWN:
            continue
        for i, dp, da in deltas.get(f, ()):
            scores[i] += dp if v == PRESENT else da
    return scores


def _can_conclude(ev: Mapping[str, str], scores: list[float], triage: str, m: _Model) -> bool:
    if triage == m.kb.triage_order[0]:
        return True
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    top = order[0]
    margin = scores[top] - scores[order[1]] if len(order) > 1 else math.inf
    cause = m.causes[top]
    keys_known = all(f in ev for f in cause.key_features if m.kb.features[f].question)
    return _sigmoid(scores[top]) >= CONCLUDE_MIN and margin >= CONCLUDE_MARGIN and keys_known


def _fired(present: frozenset[str], m: _Model) -> list[RedFlag]:
    return [rf for rf in m.red_flags if rf.when.matches(present)]


def _triage(
    scores: list[float], flags: Iterable[RedFlag], m: _Model, present: frozenset[str] = frozenset(),
    answered: bool = False,
) -> tuple[str, list[int]]:
    leading = [i for i, s in enumerate(scores) if _sigmoid(s) >= LEAD_MIN]
    levels = [rf.level for rf in flags] + [m.causes[i].triage for i in leading]
    # Symptoms nothing explains, or an interview in which nothing was found present (the complaint's
    # words gave no symptom: "a wiggly dance thing"): a doctor should look, never "manage at home".
    if not leading and (present & m.symptoms or answered):
        levels.append(UNEXPLAINED_FLOOR)
    return m.kb.most_urgent(levels), leading


# --------------------------------------------------------------------------- assess
def assess(evidence: Mapping[str, str], kb: Optional[KnowledgeBase] = None) -> Assessment:
    """Rank the causes, find red flags, set the triage level and build the advice."""
    kb = kb or load_knowledge()
    m = _model(kb)
    ev = _validate(evidence, m)
    scores = _scores(ev, m)
    present = frozenset(f for f, v in ev.items() if v == PRESENT)

    order = sorted(range(len(m.causes)), key=lambda i: (-scores[i], i))
    ranked: list[RankedCause] = []
    for i in order:
        c = m.causes[i]
        because = sorted((f for f in c.supports if f in present), key=lambda f: (-c.supports[f], f))
        against = sorted((f for f in c.against if f in present), key=lambda f: (-c.against[f], f))
        against += [f for f in c.key_features if ev.get(f) == ABSENT]
        ranked.append(RankedCause(c.id, c.name, _sigmoid(scores[i]), scores[i], because, against))

    flags = sorted(_fired(present, m), key=lambda rf: kb.rank(rf.level))
    hits = [RedFlagHit(rf.id, rf.level, rf.name, rf.when.matched(present), rf.what_to_do) for rf in flags]
    triage, _ = _triage(scores, flags, m, present, answered=bool(ev))
    emergency = triage == kb.triage_order[0]

    can_conclude = _can_conclude(ev, scores, triage, m)
    leading_ids = [c.id for c in ranked if c.likelihood >= LEAD_MIN]
    advice = _advice(kb, ranked, hits, triage, ev)
    return Assessment(ranked, hits, triage, can_conclude, emergency, leading_ids, ev, advice)


# --------------------------------------------------------------------------- advice
def advice_for(assessment: Assessment, kb: Optional[KnowledgeBase] = None) -> Advice:
    """The advice for an assessment (also available as ``assessment.advice``)."""
    if kb is None:
        return assessment.advice
    return _advice(kb, assessment.causes, assessment.red_flags, assessment.triage, assessment.evidence)


def _advice_causes(ranked: list[RankedCause]) -> list[RankedCause]:
    """The leading causes (at most ADVICE_CAUSES), else the top cause if it is at least plausible."""
    leading = [c for c in ranked if c.likelihood >= LEAD_MIN][:ADVICE_CAUSES]
    return leading or [c for c in ranked[:1] if c.likelihood >= PAYLOAD_MIN]


def _advice(
    kb: KnowledgeBase, ranked: list[RankedCause], hits: list[RedFlagHit], triage: str, ev: Mapping[str, str]
) -> Advice:
    level = kb.triage_levels[triage]
    top = _advice_causes(ranked)
    present = frozenset(f for f, v in ev.items() if v == PRESENT)
    tips: list[Tip] = []
    if triage != kb.triage_order[0]:
        # safety advice tied to what was said comes first and always stays (short of an emergency)
        candidates = [t for t in kb.tips.values() if not t.causes and t.only_when is not None]
        give_way = any(kb.rank(h.level) <= kb.rank(TIPS_GIVE_WAY_AT) for h in hits)
        if not give_way:
            candidates += [tip for c in top for tip in kb.tips_for(c.id)]
        seen: set[str] = set()
        for tip in candidates:
            if tip.id not in seen and len(tips) < MAX_TIPS and tip.applies(present):
                seen.add(tip.id)
                tips.append(tip)
    see: list[str] = []
    for c in top:
        for line in kb.causes[c.id].see_doctor_if:
            if line not in see:
                see.append(line)
    if not see:
        see = list(kb.general_see_doctor_if)
    return Advice(
        triage=triage,
        title=level.title,
        what_to_do=level.what_to_do,
        red_flag_actions=[h.what_to_do for h in hits],
        tips=tips,
        see_doctor_if=see,
        doctor_summary=_doctor_summary(kb, ranked, hits, ev),
    )


def _join(items: list[str]) -> str:
    return "; ".join(items)


def _doctor_summary(kb: KnowledgeBase, ranked: list[RankedCause], hits: list[RedFlagHit], ev: Mapping[str, str]) -> str:
    """A short note to read out or show to a doctor, built from the feature labels."""
    def labels(state: str, medication: bool) -> list[str]:
        return [
            kb.features[f].label
            for f, v in ev.items()
            if v == state and (kb.features[f].group == "medication") == medication
        ]

    lines = []
    symptoms = labels(PRESENT, False)
    lines.append("Symptoms and background: " + (_join(symptoms) if symptoms else "nothing specific yet") + ".")
    meds = labels(PRESENT, True)
    if meds:
        lines.append("Medicines: " + _join(meds) + ".")
    absent = labels(ABSENT, False) + labels(ABSENT, True)
    if absent:
        lines.append("Not present: " + _join(absent) + ".")
    unsure = labels(UNKNOWN, False) + labels(UNKNOWN, True)
    if unsure:
        lines.append("Not sure about: " + _join(unsure) + ".")
    if hits:
        lines.append("Warning signs: " + _join([h.name.lower() for h in hits]) + ".")
    likely = [c.name for c in _advice_causes(ranked)]
    if likely:
        lines.append("A symptom checker said this may fit with: " + "; ".join(likely) + " (not a diagnosis).")
    return "\n".join(lines)


# --------------------------------------------------------------------------- next question
def next_question(
    evidence: Mapping[str, str],
    asked: Iterable[str] = (),
    kb: Optional[KnowledgeBase] = None,
) -> Optional[Question]:
    """The follow-up question worth asking next, or None when the interview should end.

    Candidates: features that have a ``question``, are not in ``evidence`` and not in ``asked``.
    Returns None when ``len(asked) >= MAX_QUESTIONS``, when an emergency red flag fires, or when no
    candidate scores at least MIN_QUESTION_SCORE (MIN_QUESTION_SCORE_CONCLUDED once the assessment
    can conclude): then more questions would barely move the ranking or the route.

    Score of a candidate f (highest wins; ties by feature file order)::

        score(f) = separation(f) + confirmation(f)
                 + ROUTE_WEIGHT * route_change(f) + SCREEN_WEIGHT * screening(f)

    * pi = softmax of the cause scores (how the belief is shared among the causes now).
    * P(f present) = sum_k pi_k * p_k(f), with p_k(f) = 0.9 if f is required for cause k, 0.75 if
      typical, 0.25 + 0.1 * weight (at most 0.7) if it otherwise supports k, 0.05 if it counts
      against k, else a base rate: 0.1, or 0.03 for features no cause uses and for the warning
      signs of emergency red flags (seizure, confusion, ...). P(absent) = 1 - P(present);
      "unknown" changes nothing and is left out.
    * separation(f) = expected change of the margins between the six best causes:
      sum over answers a of P(a) * sum over pairs (i, j) of pi_i * pi_j * |delta_i(a) - delta_j(a)|,
      delta being the change of a cause's score that answer a would make (the same scoring as
      ``assess``). A question that moves all leading causes alike scores 0; one that pushes the
      leader and its rivals apart scores high.
    * confirmation(f) = CONFIRM_WEIGHT * likelihood(top) if f is a required or typical feature of the
      top cause (likelihood >= 0.3) that is still unknown: check the leader's key criteria.
    * route change = sum over answers of P(a) * (number of levels the triage would move), so a
      question that could turn self-care into "today" counts twice as much as one that could turn
      it into "book an appointment".
    * screening(f) = max over red flags R that use f, do not fire yet and are more urgent than the
      current level, of LEVEL_SCREEN_WEIGHT[R.level] * relevance(R); relevance is 1 if "present"
      would complete R given what is already present (chest pain after a swollen calf) or if one of
      R's ``screen_when`` features is present, else the likelihood of R's most likely
      ``screen_when`` cause if that cause leads (>= LEAD_MIN), else 0. So the red-flag questions
      a clinician would ask in that situation come early, and unrelated ones are not asked.
    """
    asked = tuple(asked)
    if len(asked) >= MAX_QUESTIONS:
        return None
    kb = kb or load_knowledge()
    m = _model(kb)
    ev = _validate(evidence, m)
    scores = _scores(ev, m)
    present = frozenset(f for f, v in ev.items() if v == PRESENT)
    flags = _fired(present, m)
    triage, _ = _triage(scores, flags, m, present, answered=bool(ev))
    if triage == kb.triage_order[0]:
        return None
    threshold = MIN_QUESTION_SCORE_CONCLUDED if _can_conclude(ev, scores, triage, m) else MIN_QUESTION_SCORE

    n = len(scores)
    pi = _softmax(scores)
    likelihoods = [_sigmoid(s) for s in scores]
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    best_six = order[:6]
    lead = order[0]
    keys = set(m.causes[lead].key_features) if likelihoods[lead] >= CONFIRM_MIN else set()
    skip = set(asked) | set(ev)
    best: Optional[Question] = None
    # Loop invariants, hoisted (performance only: the same arithmetic as scoring each answer from
    # scratch with _fired / _triage): the pair weights of the six best causes, which causes lead
    # now, the levels of the red flags that fire now.
    pairs = [(i, j, pi[i] * pi[j]) for a, i in enumerate(best_six) for j in best_six[a + 1:]]
    leads_now = [lk >= LEAD_MIN for lk in likelihoods]
    fired_now = {rf.id for rf in flags}
    flag_levels = [rf.level for rf in flags]
    rank_now = kb.rank(triage)
    symptomatic = bool(present & m.symptoms)
    for f, feature in kb.features.items():
        if f in skip or not feature.question:
            continue
        p_by_cause = m.p_present[f]
        p_yes = min(max(sum(pi[i] * p_by_cause[i] for i in range(n)), 0.0), 1.0)
        change = dict((i, (dp, da)) for i, dp, da in m.deltas.get(f, ()))
        # "present" can only add red flags that use f (conditions are all_of / any_of of features)
        with_f = present | {f}
        new_on_yes = [
            rf.level for rf in m.flags_by_feature.get(f, ()) if rf.id not in fired_now and rf.when.matches(with_f)
        ]
        separation = route_change = 0.0
        for k, (answer, p_answer) in enumerate(((PRESENT, p_yes), (ABSENT, 1.0 - p_yes))):
            delta = [change[i][k] if i in change else 0.0 for i in range(n)]
            separation += p_answer * sum(w * abs(delta[i] - delta[j]) for i, j, w in pairs)
            leads = list(leads_now)
            for i in change:
                leads[i] = _sigmoid(scores[i] + delta[i]) >= LEAD_MIN
            levels = flag_levels + (new_on_yes if answer == PRESENT else [])
            levels += [m.causes[i].triage for i in range(n) if leads[i]]
            if not any(leads) and (symptomatic or (answer == PRESENT and f in m.symptoms)):
                levels.append(UNEXPLAINED_FLOOR)
            route_change += p_answer * abs(kb.rank(kb.most_urgent(levels)) - rank_now)
        confirmation = CONFIRM_WEIGHT * likelihoods[lead] if f in keys else 0.0
        screen, screened = _screening(f, present, triage, likelihoods, m)
        parts = {
            "separates the likely causes": separation,
            f"checks a key feature of {m.causes[lead].id}": confirmation,
            "could change the care route": ROUTE_WEIGHT * route_change,
            f"screens for red flag {screened}": SCREEN_WEIGHT * screen,
        }
        score = sum(parts.values())
        if best is None or score > best.score + 1e-9:
            reason = max(parts, key=parts.__getitem__)
            best = Question(f, feature.question, score, reason)
    if best is None or best.score < threshold:
        return None
    return Question(best.feature_id, best.text, round(best.score, 4), best.reason)


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


@functools.lru_cache(maxsize=256)
def _witnesses(rf: RedFlag) -> tuple[frozenset[str], ...]:
    return tuple(rf.when.witnesses())


def _screening(
    f: str, present: frozenset[str], triage: str, likelihoods: list[float], m: _Model
) -> tuple[float, Optional[str]]:
    kb = m.kb
    best, best_id = 0.0, None
    index = m.cause_index
    for rf in m.flags_by_feature.get(f, ()):
        if kb.rank(rf.level) >= kb.rank(triage) or rf.when.matches(present):
            continue
        # Partly met: a way of satisfying R that needs f and is otherwise already present (chest pain
        # after a swollen calf). Not merely "R mentions something present": "my legs" (both_legs,
        # part of back pain + both legs weak) must not make groin numbness the first question.
        if any(f in w and len(w) > 1 and (w - {f}) <= present for w in _witnesses(rf)):
            relevance = 1.0
        else:
            relevance = 0.0
            for ref in rf.screen_when:
                if ref in index:
                    if likelihoods[index[ref]] >= LEAD_MIN:
                        relevance = max(relevance, likelihoods[index[ref]])
                elif ref in present:
                    relevance = 1.0
        value = LEVEL_SCREEN_WEIGHT.get(rf.level, 0.0) * relevance
        if value > best:
            best, best_id = value, rf.id
    return best, best_id
