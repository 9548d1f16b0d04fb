"""Each rung of the structured-output ladder on the real embedded model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.backends.common import ModelSettings
from syndgen.backends.llamacpp import Config, LlamaCppBackend
from syndgen.prompts import EXAMPLES, PromptSet
from syndgen.steps.shaped import shape_request, shaped_ask

pytestmark = pytest.mark.integration
SETTINGS = ModelSettings(max_tokens=60, temperature=0.7)
STATEMENT = 'answer ::= [A-Z] [^?\\n.]{10,60} "."\n'


@pytest.fixture(scope="module")
def model() -> Iterator[LlamaCppBackend]:
    backend = LlamaCppBackend(Config(model="smollm2", n_ctx=2048, parallel=2))
    yield backend
    backend.close()


class Recorder:
    """The real model behind a wrapper that records requests and can rewrite them."""

    def __init__(self, inner: LlamaCppBackend, *, grammar: bool = True, first_grammar: str | None = None):
        self.inner, self.requests, self._grammar, self._first = inner, [], grammar, first_grammar

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def capabilities(self) -> Capabilities:
        caps = self.inner.capabilities
        return caps if self._grammar else replace(caps, grammar=False, structured_output=False)

    def chat(self, request: ChatRequest) -> ChatResponse:
        if self._first is not None and not self.requests and request.response_format is not None:
            forced = request.response_format.model_copy(update={"grammar": self._first})
            request = request.model_copy(update={"response_format": forced})
        self.requests.append(request)
        return self.inner.chat(request)

    def close(self) -> None:
        pass


def _question(backend: Recorder, prompts: PromptSet | None = None, seed: int = 11):
    prompts = prompts or PromptSet()
    variables = {**EXAMPLES["question"], "max_chars": 160}
    return shaped_ask(
        backend,
        SETTINGS,
        prompts.render("question", **variables),
        shape_request(prompts, "question", variables),
        prompts=prompts,
        seed=seed,
        repair_seed=seed + 1,
        max_tokens=60,
    )


def test_constrained_the_grammar_gives_one_question_in_one_request(model: LlamaCppBackend) -> None:
    backend = Recorder(model)
    result = _question(backend)
    assert result.rung == "constrained" and len(backend.requests) == 1
    assert result.answer.endswith("?") and result.answer.count("?") == 1 and "\n" not in result.answer
    assert backend.requests[0].response_format.grammar.startswith("answer ::=")


def test_repaired_a_reply_out_of_shape_gets_one_repair_that_the_model_answers(model: LlamaCppBackend) -> None:
    # The first reply is forced to be a statement (as a server that ignored the shape would
    # answer); the repair request then runs on the model with the real grammar.
    backend = Recorder(model, first_grammar=STATEMENT)
    result = _question(backend)
    assert result.rung == "repaired" and len(backend.requests) == 2
    assert result.repaired_from.endswith(".") and result.answer.endswith("?")
    repair = backend.requests[1].messages
    assert repair[-2].content == result.repaired_from
    assert "ending with '?'" in repair[-1].content


def test_rejected_a_grammar_that_cannot_give_the_shape_rejects_after_one_repair(
    model: LlamaCppBackend, tmp_path: Path
) -> None:
    override = tmp_path / "question.jinja"
    override.write_text(PromptSet().source("question"))
    (tmp_path / "question.gbnf").write_text(STATEMENT)
    backend = Recorder(model)
    result = _question(backend, PromptSet({"question": str(override)}))
    assert result.rung is None and len(backend.requests) == 2
    assert result.answer.endswith(".")


def test_parsed_or_repaired_without_a_grammar_and_never_an_unchecked_reply(model: LlamaCppBackend) -> None:
    shapes = []
    for seed in range(4):
        backend = Recorder(model, grammar=False)
        result = _question(backend, seed=100 + seed)
        assert all(r.response_format is None for r in backend.requests)
        shapes.append(result.rung)
        if result.rung is not None:
            assert result.answer.endswith("?") and "\n" not in result.answer
    assert set(shapes) <= {"parsed", "repaired", None}
