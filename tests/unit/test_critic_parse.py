import pytest

from syndgen.errors import ParseError
from syndgen.steps.critic import VERDICT_SCHEMA, parse_verdict


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ('{"rationale": "fine", "score": 4}', 4),
        ('{"score": "5", "rationale": "ok"}', 5),
        ('{"Score": 3.0, "Reason": "meh"}', 3),
        ('```json\n{"rationale": "x", "score": 2}\n```', 2),
        ('Here is my verdict: {"rationale": "good", "score": 5} hope it helps', 5),
        ('<think>hmm, is it right? yes</think>{"rationale": "right", "score": 4}', 4),
        ("Score: 4\nThe steps are fine.", 4),
        ("I rate this 3/5 because a step is skipped.", 3),
        ('{"rationale": "x", "score": 4', 4),
    ],
)
def test_lenient_parser_reads_scores(text, score):
    assert parse_verdict(text)[0] == score


def test_rationale_is_kept():
    assert parse_verdict('{"rationale": "The sum is wrong.", "score": 2}') == (2, "The sum is wrong.")


@pytest.mark.parametrize(
    "text",
    ["", "I cannot judge this.", '{"score": 9, "rationale": "x"}', '{"score": 0}', '{"score": "high"}'],
)
def test_unparseable_or_out_of_range_is_an_error(text):
    with pytest.raises(ParseError):
        parse_verdict(text)


def test_schema_constrains_score_to_1_to_5():
    assert VERDICT_SCHEMA["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    assert VERDICT_SCHEMA["required"] == ["rationale", "score"]
