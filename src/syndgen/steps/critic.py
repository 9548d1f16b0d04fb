"""LLM-as-judge: score an attempt's reasoning against its answer, 1-5.

The critic is asked for a short JSON verdict, constrained by a schema where the backend can. A
reply that does not parse gets one repair request; if that fails too the verdict has no score,
which the pipeline counts as the rejection reason ``unparseable_verdict`` (never a pass).
"""

from __future__ import annotations

import json
import re
from typing import Any

from syndgen.backends.base import Backend, ResponseFormat
from syndgen.backends.call import ask, request_seed
from syndgen.backends.common import ModelSettings
from syndgen.errors import ParseError
from syndgen.prompts import PromptSet
from syndgen.reasoning import split_reasoning
from syndgen.records import Attempt, Verdict

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "rationale": {"type": "string", "maxLength": 240},
        "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
    },
    "required": ["rationale", "score"],
    "additionalProperties": False,
}
VERDICT_FORMAT = ResponseFormat(kind="json", schema=VERDICT_SCHEMA, name="verdict")

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_SCORE_KEY = re.compile(r'"?score"?\s*[:=]\s*"?(\d+(?:\.\d+)?)', re.IGNORECASE)
_SCORE_TEXT = re.compile(r"\b(?:score|rating)\b[^0-9]{0,20}(\d(?:\.\d+)?)\s*(?:/\s*5)?", re.IGNORECASE)
_OUT_OF_FIVE = re.compile(r"\b(\d(?:\.\d+)?)\s*/\s*5\b")


def _as_score(value: Any) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParseError(f"score {value!r} is not a number") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise ParseError(f"score {value!r} is not an integer from 1 to 5")
    return int(number)


def _json_objects(text: str) -> list[dict[str, Any]]:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start in (i for i, ch in enumerate(candidate) if ch == "{"):
            try:
                obj, _ = decoder.raw_decode(candidate[start:])
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                found.append(obj)
    return found


def verdict_schema(flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """The verdict schema, with one boolean property per extra yes/no check."""
    if not flags:
        return VERDICT_SCHEMA
    props = dict(VERDICT_SCHEMA["properties"])
    props.update({name: {"type": "boolean"} for name in flags})
    return {**VERDICT_SCHEMA, "properties": props, "required": [*VERDICT_SCHEMA["required"], *flags]}


def parse_flags(text: str, flags: tuple[str, ...]) -> dict[str, bool]:
    """Read the yes/no checks from a critic reply; a check it did not answer counts as no (pure)."""
    body = split_reasoning(text).answer or text
    found: dict[str, bool] = {}
    for obj in _json_objects(body):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for name in flags:
            value = lowered.get(name.lower())
            if isinstance(value, bool):
                found.setdefault(name, value)
            elif isinstance(value, str) and value.strip().lower() in {"true", "yes", "false", "no"}:
                found.setdefault(name, value.strip().lower() in {"true", "yes"})
    return {name: found.get(name, False) for name in flags}


def parse_verdict(text: str) -> tuple[int, str]:
    """Read ``(score, rationale)`` from a critic reply, leniently (pure).

    Accepts a JSON object (bare, fenced, or inside prose, after a ``<think>`` trace), and falls
    back to ``score: 4`` or ``4/5`` in plain text. Raises :class:`ParseError` otherwise.
    """
    body = split_reasoning(text).answer or text
    for obj in _json_objects(body):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        if "score" in lowered:
            rationale = lowered.get("rationale") or lowered.get("reason") or lowered.get("critique")
            return _as_score(lowered["score"]), str(rationale or "").strip()
    for pattern in (_SCORE_KEY, _SCORE_TEXT, _OUT_OF_FIVE):
        match = pattern.search(body)
        if match:
            return _as_score(match.group(1)), body.strip()[:500]
    raise ParseError("no score found in the critic's reply")


def judge(
    attempt: Attempt,
    question: str,
    *,
    prompts: PromptSet,
    backend: Backend,
    settings: ModelSettings,
    run_seed: int,
    template: str = "critic",
    flags: tuple[str, ...] = (),
    follow_up: bool = False,
    **variables: Any,
) -> Verdict:
    """Score one attempt; one repair request if the first reply does not parse.

    ``template`` picks the critic prompt (conversations and grounded answers have their own);
    ``flags`` names extra yes/no checks the critic answers in the same JSON object.
    ``follow_up`` asks the plain critic question as the next turn of the attempt's own
    conversation (``critic_followup``), so a backend that caches prefixes reads only that turn.
    """
    if follow_up and template == "critic" and attempt.messages:
        messages = prompts.render(
            "critic_followup", messages=list(attempt.messages), raw_answer=attempt.raw_text
        )
    else:
        messages = prompts.render(
            template, question=question, reasoning=attempt.reasoning, answer=attempt.answer, **variables
        )
    schema = verdict_schema(flags)
    fmt = (
        ResponseFormat(kind="json", schema=schema, name="verdict")
        if backend.capabilities.structured_output
        else None
    )
    seed = request_seed(run_seed, attempt.seed_index, "critic", attempt.attempt_no)
    response = ask(backend, settings, messages, seed=seed, response_format=fmt)
    usage, latency = response.usage, response.latency_s
    try:
        score, rationale = parse_verdict(response.text)
        repaired = False
        raw = response.text
    except ParseError as first:
        repair = prompts.render("repair", messages=list(messages), raw=response.text)
        again = ask(backend, settings, repair, seed=seed + 1, response_format=fmt)
        usage, latency = usage + again.usage, latency + again.latency_s
        try:
            score, rationale = parse_verdict(again.text)
            repaired = True
            raw = again.text
        except ParseError as second:
            return Verdict(
                seed_index=attempt.seed_index,
                attempt_no=attempt.attempt_no,
                score=None,
                rationale=f"{first}; after repair: {second}",
                critic_model=response.model,
                raw_text=again.text,
                usage=usage,
                latency_s=latency,
                repaired=True,
            )
    return Verdict(
        seed_index=attempt.seed_index,
        attempt_no=attempt.attempt_no,
        score=score,
        rationale=rationale,
        critic_model=response.model,
        raw_text=response.text,
        usage=usage,
        latency_s=latency,
        repaired=repaired,
        flags=parse_flags(raw, flags),
    )
