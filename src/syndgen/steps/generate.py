"""Generate one answer attempt with its reasoning trace split out."""

from __future__ import annotations

from syndgen.backends.base import Backend, ResponseFormat
from syndgen.backends.common import ModelSettings
from syndgen.prompts import PromptSet
from syndgen.reasoning import ReasoningSplit, reasoning_from_message
from syndgen.records import Attempt, Message, Verdict
from syndgen.steps.common import ask, request_seed

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
        messages=messages,
        raw_text=response.text,
        reasoning=split.reasoning,
        answer=split.answer,
        usage=response.usage,
        latency_s=response.latency_s,
        model=response.model,
        finish_reason=finish,
    )
