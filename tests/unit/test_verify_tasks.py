import re
from collections import Counter
from fractions import Fraction

import pytest

from syndgen.errors import ConfigError
from syndgen.verify.mathcheck import values_equal, verify_math
from syndgen.verify.sandbox import run_python
from syndgen.verify.tasks import CODE_TOPICS, MATH_TOPICS, SPECS, code_problem, math_problem
from syndgen.verify.tasks.arithmetic import TEMPLATES, render
from syndgen.verify.tasks.coding import TOPIC_FUNCTIONS


def test_math_problem_is_deterministic():
    assert math_problem(3, 17) == math_problem(3, 17)
    assert math_problem(3, 17) != math_problem(4, 17)


def test_math_problems_cover_every_template_evenly():
    topics = Counter(math_problem(0, i).topic for i in range(len(TEMPLATES) * 5))
    assert set(topics) == set(TEMPLATES)
    assert set(topics.values()) == {5}


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_math_difficulty_can_be_chosen(difficulty):
    problems = [math_problem(1, i, difficulty=difficulty) for i in range(16)]
    assert {p.difficulty for p in problems} == {difficulty}


def test_math_difficulty_is_validated():
    with pytest.raises(ConfigError, match="difficulty must be 1, 2 or 3"):
        math_problem(0, 0, difficulty=4)


def test_math_references_are_plain_numbers_that_verify():
    for index in range(200):
        problem = math_problem(11, index)
        assert problem.question.endswith("?") or "lowest terms" in problem.question
        answer = f"Let me think. The answer is {problem.reference_answer}."
        assert verify_math(answer, problem.reference_answer).status == "pass", problem
        assert not values_equal(problem.reference_answer, "-999999")


def test_math_topic_can_be_chosen():
    assert {math_problem(2, i, topic="ages").topic for i in range(10)} == {"ages"}
    assert set(MATH_TOPICS) == set(TEMPLATES)
    with pytest.raises(ConfigError, match="unknown math topic 'algebra'"):
        math_problem(0, 0, topic="algebra")


def _numbers(text):
    return [int(n) for n in re.findall(r"\d+", text)]


@pytest.mark.parametrize("index", range(10))
def test_math_answers_are_computed_correctly(index):
    sums = math_problem(9, index, topic="sums", difficulty=3)
    assert Fraction(sums.reference_answer) == sum(_numbers(sums.question))
    product = math_problem(9, index, topic="products", difficulty=2)
    a, b = _numbers(product.question)
    assert Fraction(product.reference_answer) == a * b
    percent = math_problem(9, index, topic="percentages", difficulty=1)
    p, base = _numbers(percent.question)
    assert Fraction(percent.reference_answer) == Fraction(p * base, 100)
    fractions = math_problem(9, index, topic="fractions", difficulty=3)
    n1, d1, n2, d2 = _numbers(fractions.question)
    assert Fraction(fractions.reference_answer) == Fraction(n1, d1) * Fraction(n2, d2)
    sharing = math_problem(9, index, topic="sharing equally", difficulty=1)
    people, total = _numbers(sharing.question)
    assert Fraction(sharing.reference_answer) * people == total


def test_render():
    assert render(Fraction(7)) == "7"
    assert render(Fraction(15, 4)) == "3.75"
    assert render(Fraction(5, 6)) == "5/6"
    assert render(Fraction(3, 2), as_fraction=True) == "3/2"
    assert render(Fraction(-1, 8)) == "-0.125"


def test_there_are_at_least_fifteen_code_problems_with_unique_names():
    names = [spec.name for spec in SPECS]
    assert len(names) >= 15
    assert len(set(names)) == len(names)


def test_code_problem_is_deterministic_and_tests_vary_with_the_index():
    assert code_problem(5, 2) == code_problem(5, 2)
    same_function = [code_problem(5, 2 + k * len(SPECS)) for k in range(3)]
    assert {p.function_name for p in same_function} == {same_function[0].function_name}
    assert len({p.tests for p in same_function}) == 3


def test_code_topics_cover_every_problem_once_at_every_level():
    listed = [name for names in TOPIC_FUNCTIONS.values() for name in names]
    assert sorted(listed) == sorted(spec.name for spec in SPECS)
    for topic in CODE_TOPICS:
        levels = {spec.difficulty for spec in SPECS if spec.name in TOPIC_FUNCTIONS[topic]}
        assert levels == {1, 2, 3}, topic


@pytest.mark.parametrize("topic", CODE_TOPICS)
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_code_problem_topic_and_difficulty_can_be_chosen(topic, difficulty):
    problems = [code_problem(4, i, topic=topic, difficulty=difficulty) for i in range(6)]
    assert {(p.topic, p.difficulty) for p in problems} == {(topic, difficulty)}
    assert all(p.function_name in TOPIC_FUNCTIONS[topic] for p in problems)


def test_code_problem_rejects_unknown_topic_and_level():
    with pytest.raises(ConfigError, match="unknown code topic 'graphs'"):
        code_problem(0, 0, topic="graphs")
    with pytest.raises(ConfigError, match="difficulty must be 1, 2 or 3"):
        code_problem(0, 0, difficulty=0)


def test_code_problem_fields():
    problem = code_problem(0, 0)
    assert problem.function_name in problem.question
    assert problem.tests.count("assert ") >= 3
    assert f"def {problem.function_name}(" in problem.reference_solution
    assert 1 <= problem.difficulty <= 3


def test_every_reference_solution_passes_its_tests_in_the_sandbox():
    """Proves the generated tests are right: each reference solution passes them in the sandbox."""
    for index in range(len(SPECS)):
        problem = code_problem(123, index)
        result = run_python(problem.reference_solution, problem.tests)
        assert result.passed, (problem.function_name, result.detail)


def test_a_wrong_solution_fails_the_generated_tests():
    index = [spec.name for spec in SPECS].index("fizzbuzz")
    problem = code_problem(0, index)
    assert problem.function_name == "fizzbuzz"
    wrong = "def fizzbuzz(n):\n    return str(n)\n"
    assert not run_python(wrong, problem.tests).passed
