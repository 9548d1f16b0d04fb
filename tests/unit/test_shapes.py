"""The structured-output ladder: shapes, their grammars, and each rung on scripted backends."""

from __future__ import annotations

import json

import pytest

from fakes import FakeBackend
from syndgen import prompts
from syndgen.backends.base import Capabilities, ChatRequest
from syndgen.backends.common import ModelSettings
from syndgen.backends.llamacpp import Config as LlamaConfig
from syndgen.backends.llamacpp import grammar_for
from syndgen.records import Message, Passage
from syndgen.shapes import (
    SHAPES,
    ShapeRequest,
    cited_passages,
    parse_code,
    parse_grounded,
    parse_math,
    parse_question,
    parse_user_turn,
    strip_citations,
)
from syndgen.steps.question import ask_question
from syndgen.steps.shaped import request_format, shape_request, shaped_ask

SETTINGS = ModelSettings(max_tokens=64)
PASSAGES = [
    Passage(
        chunk_id="a",
        source="a.md",
        score=1.0,
        text="Visitors sign in at the front desk. Badges are returned.",
    ),
    Passage(chunk_id="b", source="b.md", score=0.5, text="Employees accrue 2 days of leave per month."),
]


class GrammarFake(FakeBackend):
    """A scripted backend that says it takes grammars (as the embedded engine does)."""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(grammar=True, structured_output=True, deterministic_seed=True)


def test_parse_question_reads_labels_lines_and_interrogatives() -> None:
    assert parse_question("Question: What is 2 + 2? It is easy.") == "What is 2 + 2?"
    assert parse_question("Sure! Here it is:\n**Q:** How far is the moon?") == "How far is the moon?"
    assert parse_question("How many legs does a spider have.") == "How many legs does a spider have?"
    assert parse_question("<think>hmm</think>Why is the sky blue?") == "Why is the sky blue?"
    assert parse_question("The sky is blue.") is None
    assert parse_question("Why?") is None


def test_parse_code_math_grounded_and_user_turn() -> None:
    assert (
        parse_code("Here:\n```py\ndef f(x):\n    return x\n```\nDone")
        == "```python\ndef f(x):\n    return x\n```"
    )
    assert parse_code("def f(x):\n    return x") == "```python\ndef f(x):\n    return x\n```"
    assert parse_code("I would loop over the list.") is None
    assert parse_math("3 * 4 = 12.\nFinal answer: 12") == "3 * 4 = 12.\nFinal answer: 12"
    assert parse_math("So the answer is 1,200 apples.").endswith("Final answer: 1200")
    assert parse_math("Tom has some pens.") is None
    variables = {"passages": PASSAGES}
    assert parse_grounded("At the front desk. [1]", variables) == "At the front desk. [1]"
    assert parse_grounded("At the front desk. [3]", variables) is None
    assert parse_grounded("At the front desk.", variables) is None
    assert strip_citations("Two days [2] a month [1].") == "Two days a month."
    assert cited_passages("x [2] y [1] z [2]") == [2, 1]
    assert (
        parse_user_turn('USER: "Could you give an example? Thanks."') == "Could you give an example? Thanks."
    )
    assert parse_user_turn("ASSISTANT: Sure, here it is.") is None
    assert parse_user_turn("What if it rains?", {"opener": "What if"}) == "What if it rains?"
    assert parse_user_turn("Tell me more.", {"opener": "What if"}) is None


@pytest.mark.parametrize("name", prompts.grammar_names())
def test_every_shipped_grammar_renders_and_llama_cpp_parses_it(name: str) -> None:
    from llama_cpp import LlamaGrammar

    ps = prompts.PromptSet()
    variables = {**prompts.EXAMPLES[name], "max_chars": 120, "passages": PASSAGES}
    rules = ps.grammar(name, **variables)
    assert rules is not None and "answer ::=" in rules
    for kind in ("think", "text"):
        request = ChatRequest(
            messages=(Message(role="user", content="x"),),
            response_format={"kind": kind, "grammar": rules},
        )
        grammar = grammar_for(request, LlamaConfig(model="m.gguf"))
        assert grammar is not None
        LlamaGrammar.from_string(grammar, verbose=False)  # raises on a grammar llama.cpp rejects


def test_sentence_choices_quotes_each_passage_sentence_with_its_citation() -> None:
    choices = prompts.sentence_choices(PASSAGES)
    assert '("Visitors sign in at the front desk." " [1]")' in choices
    assert '("Employees accrue 2 days of leave per month." " [2]")' in choices
    assert prompts.gbnf_literal('say "hi"\n') == 'say \\"hi\\"\\n'


def test_the_format_depends_on_what_the_backend_takes() -> None:
    shape = ShapeRequest(SHAPES["question"], 'answer ::= "x?"\n', {})
    grammar = request_format(GrammarFake(lambda r: ""), shape, think=False)
    assert grammar is not None and grammar.kind == "text" and grammar.grammar == shape.grammar
    schema = request_format(FakeBackend(lambda r: ""), shape, think=False)
    assert schema is not None and schema.kind == "json"
    assert schema.schema_ == SHAPES["question"].schema()
    assert request_format(FakeBackend(lambda r: "", structured=False), shape, think=False) is None
    # A reply with a reasoning trace is not wrapped in JSON: it is parsed and repaired instead.
    assert request_format(FakeBackend(lambda r: ""), shape, think=True) is None


def _ask(backend: FakeBackend, prompt: str = "question") -> object:
    ps = prompts.PromptSet()
    variables = prompts.EXAMPLES[prompt]
    return ask_question(
        backend,
        SETTINGS,
        ps.render(prompt, **variables),
        7,
        64,
        prompts=ps,
        prompt=prompt,
        variables=variables,
    )


def test_rung_constrained_by_grammar_and_by_schema() -> None:
    grammar = GrammarFake(lambda r: "What is the chance of two heads?")
    question = _ask(grammar)
    assert question.shape == "constrained" and question.text == "What is the chance of two heads?"
    assert grammar.requests[0].response_format.grammar.startswith("answer ::=")
    schema = FakeBackend(lambda r: json.dumps({"question": "What is the chance of two tails?"}))
    question = _ask(schema)
    assert question.shape == "constrained" and question.text == "What is the chance of two tails?"
    assert len(schema.requests) == 1


def test_rung_parsed_when_the_backend_cannot_constrain() -> None:
    plain = FakeBackend(lambda r: "Question: Which coin is fair?\nExplanation: ...", structured=False)
    question = _ask(plain)
    assert question.shape == "parsed" and question.text == "Which coin is fair?"
    assert plain.requests[0].response_format is None


def test_rung_repaired_by_one_repair_request_that_sees_the_bad_reply() -> None:
    replies = iter(["Probability is fun.", "What is the chance of rolling a six?"])
    backend = FakeBackend(lambda r: next(replies), structured=False)
    question = _ask(backend)
    assert question.shape == "repaired" and question.text == "What is the chance of rolling a six?"
    repair = backend.requests[1].messages
    assert repair[-2].role == "assistant" and repair[-2].content == "Probability is fun."
    assert "ending with '?'" in repair[-1].content
    assert question.usage.prompt_tokens == 20  # both calls are counted


def test_rung_rejected_after_the_repair_fails_rejects_only_that_record() -> None:
    backend = FakeBackend(lambda r: "Probability is fun.", structured=False)
    question = _ask(backend)
    assert question.shape == "failed"
    assert len(backend.requests) == 2  # one request, one repair, no more


def test_answer_shape_in_the_answer_loop_rejects_with_the_shape_reason() -> None:
    ps = prompts.PromptSet()
    variables = prompts.EXAMPLES["answer_code"]
    request = shape_request(ps, "answer_code", variables)
    assert request is not None
    backend = FakeBackend(lambda r: "<think>Add them.</think>I would add a and b.", structured=False)
    result = shaped_ask(
        backend, SETTINGS, ps.render("answer_code", **variables), request, prompts=ps, seed=1, repair_seed=2
    )
    assert result.rung is None and len(backend.requests) == 2
    fixed = iter(
        [
            "<think>Add.</think>I would add.",
            "<think>Add.</think>```python\ndef add(a, b):\n    return a + b\n```",
        ]
    )
    backend = FakeBackend(lambda r: next(fixed), structured=False)
    result = shaped_ask(
        backend, SETTINGS, ps.render("answer_code", **variables), request, prompts=ps, seed=1, repair_seed=2
    )
    assert result.rung == "repaired" and result.answer.startswith("```python\ndef add")
    assert result.reasoning == "Add."


def test_kpis_say_what_each_kept_record_rests_on_and_how_replies_got_their_shape() -> None:
    from syndgen.kpis import evidence_of, shape_counts

    assert evidence_of({"attempt": {"checks": [{"status": "pass"}]}, "verdict": None}) == "verifier"
    assert evidence_of({"attempt": {"checks": []}, "support": {"supported": True}}) == "grounding_and_critic"
    assert evidence_of({"attempt": {"checks": []}, "verdict": {"score": 4}}) == "critic"
    assert evidence_of({"attempt": {"checks": [{"status": "fail"}]}, "verdict": None}) == "filters_only"
    outcomes = [
        {"question": {"shape": "constrained"}, "attempts": [{"shape": "constrained"}, {"shape": "repaired"}]},
        {"question": {"shape": "failed"}, "attempts": []},
        {"question": {"shape": None}, "attempts": [{"shape": None}]},
    ]
    assert shape_counts(outcomes) == {
        "questions": {"constrained": 1, "failed": 1},
        "answers": {"constrained": 1, "repaired": 1},
    }


def test_the_dataset_card_shows_evidence_and_shapes() -> None:
    from syndgen.export.card import render_card

    kpis = {
        "samples": 4,
        "rejections_by_reason": {},
        "kept_evidence": {"verifier": 3, "critic": 1},
        "shapes": {"questions": {"constrained": 4}, "answers": {"parsed": 2, "repaired": 2}},
    }
    report = {"coverage": {}, "diversity": {}}
    card = render_card(title="t", files=[], config={}, config_hash="h", kpis=kpis, report=report)
    assert "| a programmatic verifier passed | 3 | 75% |" in card
    assert "| the critic's score alone | 1 | 25% |" in card
    assert "- answers: parsed 2, repaired 2" in card
