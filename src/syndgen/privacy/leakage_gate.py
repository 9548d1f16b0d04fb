"""The leakage gate of a run: each seed's outcome, checked before it is stored.

Every generated text of the outcome is measured (the question, and each attempt's reasoning,
answer and turns), not only the kept sample's: a rejected attempt is stored too, and a DPO export
uses it as ``rejected``. With ``action: reject`` a kept sample that leaks (or is contaminated) is
rejected with reason ``leak`` (``contaminated``) at stage ``privacy``, and every leaking text is
withheld: emptied in the outcome, and replaced where a later prompt showed it (the regeneration
shows the answer it replaces), so neither the store nor an export holds it; a critic's verdict
that quotes a source is withheld the same way, with the critique a regeneration was shown. The
rest of the prompts, which hold what the generator was shown, are kept. With ``action: flag``
nothing is changed; a kept sample that leaks carries a ``leakage`` column naming what it copies.
Each decision is one audit event (kind ``leakage``), with the source and span, never the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syndgen.privacy.leakage import Finding, LeakageChecker
from syndgen.records import Attempt, Rejection, SeedOutcome

OnEvent = Callable[[str, dict[str, Any]], None]
EVENT = "leakage"
WITHHELD = "[withheld: it copied a source]"


def attempt_text(attempt: Attempt) -> str:
    """The generated text of one attempt: its reasoning and answer, or every turn."""
    if attempt.turns:
        return "\n".join(part for t in attempt.turns for part in (t.reasoning, t.content) if part)
    return "\n".join(part for part in (attempt.reasoning, attempt.answer) if part)


def withheld(attempt: Attempt) -> Attempt:
    return attempt.model_copy(
        update={"raw_text": "", "reasoning": "", "answer": "", "turns": (), "final_answer": None}
    )


class LeakageGate:
    def __init__(self, checker: LeakageChecker, action: str, on_event: OnEvent | None = None) -> None:
        self.checker = checker
        self.action = action
        self.on_event = on_event

    def _event(self, outcome: SeedOutcome, attempt_no: int | None, action: str, finding: Finding) -> None:
        if self.on_event is not None:
            payload = {"seed_index": outcome.seed.index, "attempt_no": attempt_no, "action": action}
            self.on_event(EVENT, {**payload, **finding.payload()})

    def findings(self, outcome: SeedOutcome) -> tuple[Finding | None, dict[int, Finding]]:
        """The question's finding and each attempt's (by attempt number)."""
        question = outcome.question
        asked = self.checker.measure(question.text).findings if question and question.text else ()
        per_attempt: dict[int, Finding] = {}
        for attempt in outcome.attempts:
            found = self.checker.measure(attempt_text(attempt)).findings
            if found:
                per_attempt[attempt.attempt_no] = found[0]
        return (asked[0] if asked else None), per_attempt

    def guard(self, outcome: SeedOutcome) -> SeedOutcome:
        if self.action == "reject":
            outcome = self._critiques(outcome)
        asked, per_attempt = self.findings(outcome)
        if asked is None and not per_attempt:
            return outcome
        sample = outcome.sample
        chosen = sample.attempt.attempt_no if sample is not None else None
        own = asked or (per_attempt.get(chosen) if chosen is not None else None)
        if self.action == "flag":
            if sample is not None and own is not None:
                self._event(outcome, chosen, "flagged", own)
                columns = {**sample.columns, "leakage": own.payload()}
                return outcome.model_copy(update={"sample": sample.model_copy(update={"columns": columns})})
            return outcome
        return self._reject(outcome, asked, per_attempt, own)

    def _critiques(self, outcome: SeedOutcome) -> SeedOutcome:
        """A critic's verdict that quotes a source is withheld, and so is the critique a later
        regeneration prompt showed from it."""
        verdicts, quoted = [], []
        for verdict in outcome.verdicts:
            found = self.checker.measure(f"{verdict.rationale}\n{verdict.raw_text}").findings
            if found:
                self._event(outcome, verdict.attempt_no, "withheld_critique", found[0])
                quoted += [verdict.rationale, verdict.rationale[:599].rstrip()]
                verdict = verdict.model_copy(update={"rationale": WITHHELD, "raw_text": ""})
            verdicts.append(verdict)
        if not quoted:
            return outcome
        update: dict[str, Any] = {
            "verdicts": tuple(verdicts),
            "attempts": tuple(_replace_in_prompt(a, quoted) for a in outcome.attempts),
        }
        sample = outcome.sample
        if sample is not None:
            fixed = next(
                (v for v in verdicts if sample.verdict and v.attempt_no == sample.verdict.attempt_no), None
            )
            attempt = _replace_in_prompt(sample.attempt, quoted)
            update["sample"] = sample.model_copy(
                update={"attempt": attempt, "verdict": fixed or sample.verdict}
            )
        return outcome.model_copy(update=update)

    def _reject(
        self,
        outcome: SeedOutcome,
        asked: Finding | None,
        per_attempt: dict[int, Finding],
        own: Finding | None,
    ) -> SeedOutcome:
        sample = outcome.sample
        attempts, hidden = [], []
        for attempt in outcome.attempts:
            finding = asked or per_attempt.get(attempt.attempt_no)
            if finding is None:
                attempts.append(attempt)
                continue
            kept = sample is not None and attempt.attempt_no == sample.attempt.attempt_no
            self._event(outcome, attempt.attempt_no, "rejected" if kept else "withheld", finding)
            attempts.append(withheld(attempt))
            hidden += [t for t in (attempt.raw_text, attempt.answer) if t.strip()]
        update: dict[str, Any] = {"attempts": tuple(forget(a, hidden) for a in attempts)}
        if asked is not None and outcome.question is not None:
            if not outcome.attempts:  # a question rejected before any answer: logged on its own
                self._event(outcome, None, "withheld", asked)
            update["question"] = outcome.question.model_copy(update={"text": ""})
        if sample is not None and own is not None:
            rejection = Rejection(
                seed_index=outcome.seed.index,
                attempt_no=sample.attempt.attempt_no,
                stage="privacy",
                reason=own.reason,
                detail=own.detail(),
            )
            update["sample"] = None
            update["rejections"] = (*outcome.rejections, rejection)
        elif sample is not None:
            update["sample"] = sample.model_copy(update={"attempt": forget(sample.attempt, hidden)})
        return outcome.model_copy(update=update)


def forget(attempt: Attempt, hidden: list[str]) -> Attempt:
    """``attempt`` without a withheld reply in its prompt (a regeneration shows the answer it
    replaces as an assistant turn)."""
    if not hidden:
        return attempt
    messages = tuple(
        m.model_copy(update={"content": WITHHELD})
        if m.role == "assistant"
        and m.content.strip()
        and any(t in m.content or m.content in t for t in hidden)
        else m
        for m in attempt.messages
    )
    return attempt.model_copy(update={"messages": messages})


def _replace_in_prompt(attempt: Attempt, texts: list[str]) -> Attempt:
    def clean(content: str) -> str:
        for text in texts:
            if text.strip():
                content = content.replace(text, WITHHELD)
        return content

    messages = tuple(m.model_copy(update={"content": clean(m.content)}) for m in attempt.messages)
    return attempt.model_copy(update={"messages": messages})
