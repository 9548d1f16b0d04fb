"""Generate one answer attempt with its reasoning trace split out."""

from __future__ import annotations

from dataclasses import dataclass

from syndgen.backends.base import Backend, ResponseFormat
from syndgen.backends.call import ask, request_seed
from syndgen.backends.common import ModelSettings
from syndgen.context import AnswerTask, RunContext
from syndgen.prompts import PromptSet
from syndgen.reasoning import ReasoningSplit, reasoning_from_message
from syndgen.records import Attempt, AttemptRole, Message, Verdict

THINK = ResponseFormat(kind="think")


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
) -> Attempt:
    fmt = THINK if force_reasoning and backend.capabilities.grammar else None
    response = ask(
        backend,
        settings,
        messages,
        seed=request_seed(run_seed, seed_index, "answer", attempt_no),
        response_format=fmt,
        max_reasoning_tokens=max_reasoning_tokens,
    )
    split: ReasoningSplit = reasoning_from_message(
        {"content": response.text, "reasoning_content": response.reasoning}
    )
    finish = response.finish_reason
    if not split.complete and finish != "length":
        finish = "unclosed_think"
    return Attempt(
        seed_index=seed_index,
        attempt_no=attempt_no,
        role=role,
        messages=messages,
        raw_text=response.text,
        reasoning=split.reasoning,
        answer=split.answer,
        usage=response.usage,
        latency_s=response.latency_s,
        model=response.model,
        finish_reason=finish,
    )


def attempt_with(
    ctx: RunContext,
    seed_index: int,
    attempt_no: int,
    messages: tuple[Message, ...],
    role: AttemptRole = "answer",
) -> Attempt:
    """One answer attempt with the run's generator settings (reasoning forced and capped)."""
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
    )


@dataclass(frozen=True)
class PromptWriter:
    """Single-answer kinds: the task's messages; the regeneration adds the rejected reply and
    the critique to them."""

    def first(self, ctx: RunContext, task: AnswerTask, attempt_no: int) -> Attempt:
        return attempt_with(ctx, task.seed_index, attempt_no, task.messages, task.role)

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
        return attempt_with(ctx, task.seed_index, attempt_no, messages, role)


PROMPT_WRITER = PromptWriter()
