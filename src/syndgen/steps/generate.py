"""Generate one answer attempt with its reasoning trace split out."""

from __future__ import annotations

from dataclasses import dataclass, replace

from syndgen.backends.base import Backend
from syndgen.backends.call import ask, request_seed
from syndgen.backends.common import ModelSettings
from syndgen.context import AnswerTask, RunContext
from syndgen.prompts import PromptSet
from syndgen.reasoning import reasoning_from_message
from syndgen.records import Attempt, AttemptRole, Message, ShapeOutcome, Verdict
from syndgen.shapes import ShapeRequest
from syndgen.steps.shaped import THINK, Shaped, shaped_ask


def answer_messages(prompts: PromptSet, question: str, system_prompt: str | None) -> tuple[Message, ...]:
    return prompts.render("answer", question=question, system_prompt=system_prompt)


def regenerate_messages(
    prompts: PromptSet,
    messages: tuple[Message, ...],
    previous: Attempt,
    verdict: Verdict | None,
    problem: str,
) -> tuple[Message, ...]:
    """The original request, the rejected answer, and the critique it must fix."""
    return prompts.render(
        "regenerate",
        messages=list(messages),
        previous_answer=previous.raw_text or previous.answer,
        score=verdict.score if verdict else None,
        critique=problem,
    )


def generate_attempt(
    seed_index: int,
    attempt_no: int,
    messages: tuple[Message, ...],
    *,
    backend: Backend,
    settings: ModelSettings,
    run_seed: int,
    force_reasoning: bool,
    max_reasoning_tokens: int | None = None,
    role: AttemptRole = "answer",
    shape: ShapeRequest | None = None,
    prompts: PromptSet | None = None,
) -> Attempt:
    """One answer attempt; with ``shape`` (and the prompts for its repair) it climbs the shape's
    ladder (:mod:`syndgen.steps.shaped`) and records how it got its shape."""
    seed = request_seed(run_seed, seed_index, "answer", attempt_no)
    outcome: ShapeOutcome | None = None
    if shape is not None and prompts is not None:
        result = shaped_ask(
            backend,
            settings,
            messages,
            replace(shape, think=force_reasoning),
            prompts=prompts,
            seed=seed,
            repair_seed=request_seed(run_seed, seed_index, "repair", attempt_no),
            max_reasoning_tokens=max_reasoning_tokens,
        )
        outcome = result.rung or "failed"
    else:
        fmt = THINK if force_reasoning and backend.capabilities.grammar else None
        response = ask(
            backend,
            settings,
            messages,
            seed=seed,
            response_format=fmt,
            max_reasoning_tokens=max_reasoning_tokens,
        )
        split = reasoning_from_message({"content": response.text, "reasoning_content": response.reasoning})
        result = Shaped(response, split.reasoning, split.answer, None, response.usage, response.latency_s)
    response = result.response
    split = reasoning_from_message({"content": response.text, "reasoning_content": response.reasoning})
    finish = response.finish_reason
    if not split.complete and finish != "length":
        finish = "unclosed_think"
    return Attempt(
        seed_index=seed_index,
        attempt_no=attempt_no,
        role=role,
        messages=messages,
        raw_text=response.text,
        reasoning=result.reasoning,
        answer=result.answer,
        usage=result.usage,
        latency_s=result.latency_s,
        model=response.model,
        finish_reason=finish,
        shape=outcome,
    )


def attempt_with(
    ctx: RunContext,
    seed_index: int,
    attempt_no: int,
    messages: tuple[Message, ...],
    role: AttemptRole = "answer",
    shape: ShapeRequest | None = None,
) -> Attempt:
    """One answer attempt with the run's generator settings (reasoning forced and capped), in
    ``shape`` when the task has one."""
    cfg = ctx.config
    return generate_attempt(
        seed_index,
        attempt_no,
        messages,
        backend=ctx.generator,
        settings=cfg.generator,
        run_seed=cfg.seed,
        force_reasoning=cfg.task.force_reasoning,
        max_reasoning_tokens=cfg.task.max_reasoning_tokens,
        role=role,
        shape=shape,
        prompts=ctx.prompts,
    )


@dataclass(frozen=True)
class PromptWriter:
    """Single-answer kinds: the task's messages; the regeneration adds the rejected reply and
    the critique to them."""

    def first(self, ctx: RunContext, task: AnswerTask, attempt_no: int) -> Attempt:
        return attempt_with(ctx, task.seed_index, attempt_no, task.messages, task.role, task.shape)

    def again(
        self,
        ctx: RunContext,
        task: AnswerTask,
        attempt_no: int,
        previous: Attempt,
        verdict: Verdict | None,
        critique: str,
    ) -> Attempt:
        messages = regenerate_messages(ctx.prompts, task.messages, previous, verdict, critique)
        role: AttemptRole = "regenerate" if task.role == "answer" else task.role
        return attempt_with(ctx, task.seed_index, attempt_no, messages, role, task.shape)


PROMPT_WRITER = PromptWriter()
