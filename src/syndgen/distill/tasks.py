"""Held-out evaluation problems and their checks (pure apart from reading a user's JSONL).

``math`` and ``code`` are program-generated (:mod:`syndgen.verify.tasks`) from the eval seed, so
they differ from a training run's problems when the seeds differ; a ``.jsonl`` file gives rows
with a ``question`` and an ``answer`` (or ``reference_answer``; ``tests`` for code). Prompts are
the ones the run's answers were written with (``answer_math``, ``answer_code``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from syndgen.errors import ConfigError, InputError
from syndgen.jsonl import read_jsonl
from syndgen.prompts import PromptSet
from syndgen.reasoning import split_reasoning
from syndgen.records import Message
from syndgen.verify import tasks as builtin
from syndgen.verify.mathcheck import parse_values, verify_math
from syndgen.verify.structure import verify_exact

Check = Literal["math", "code", "exact"]


class EvalItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    task: str
    index: int
    question: str
    messages: tuple[Message, ...]
    check: Check
    topic: str = ""
    reference: str = ""
    tests: str = ""


def _file_items(path: Path, n: int, prompts: PromptSet) -> list[EvalItem]:
    items = []
    for index, row in enumerate(read_jsonl(path)[:n]):
        question = row.get("question")
        reference = row.get("answer", row.get("reference_answer"))
        tests = row.get("tests")
        if not isinstance(question, str) or (reference is None and tests is None):
            raise InputError(f"{path}: row {index + 1} needs 'question' and 'answer' (or 'tests')")
        check: Check = "code" if tests else ("math" if parse_values(str(reference)) else "exact")
        template = "answer_code" if check == "code" else "answer_math" if check == "math" else "answer"
        items.append(
            EvalItem(
                task=path.stem,
                index=index,
                question=question,
                messages=_render(prompts, template, question),
                check=check,
                reference="" if reference is None else str(reference),
                tests=str(tests or ""),
            )
        )
    return items


def _render(prompts: PromptSet, template: str, question: str) -> tuple[Message, ...]:
    if template == "answer":
        return (Message(role="user", content=question),)
    return prompts.render(template, question=question, system_prompt=None)


def build_items(task_names: list[str], n: int, seed: int, prompts: PromptSet | None = None) -> list[EvalItem]:
    """``n`` problems per task, problem ``i`` of the series ``seed`` (deterministic)."""
    prompts = prompts or PromptSet()
    items: list[EvalItem] = []
    for name in task_names:
        if name == "math":
            for i in range(n):
                p = builtin.math_problem(seed, i)
                messages = _render(prompts, "answer_math", p.question)
                items.append(
                    EvalItem(
                        task="math",
                        index=i,
                        question=p.question,
                        messages=messages,
                        check="math",
                        topic=p.topic,
                        reference=p.reference_answer,
                    )
                )
        elif name == "code":
            for i in range(n):
                c = builtin.code_problem(seed, i)
                messages = _render(prompts, "answer_code", c.question)
                items.append(
                    EvalItem(
                        task="code",
                        index=i,
                        question=c.question,
                        messages=messages,
                        check="code",
                        topic=c.topic,
                        tests=c.tests,
                    )
                )
        elif name.endswith(".jsonl"):
            items.extend(_file_items(Path(name), n, prompts))
        else:
            raise ConfigError(f"unknown eval task {name!r}", hint="use math, code or a FILE.jsonl")
    return items


def passes(item: EvalItem, text: str) -> bool:
    """Whether a model's reply solves ``item``, by the project's verifiers."""
    answer = split_reasoning(text).answer or text
    if item.check == "math":
        return verify_math(answer, item.reference).passed
    if item.check == "code":
        from syndgen.verify.codecheck import verify_code

        return verify_code(answer, item.tests).passed
    return verify_exact(answer, item.reference).passed
