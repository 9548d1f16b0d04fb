import time

import pytest

from syndgen.verify.mathcheck import extract_final_answer, parse_values, values_equal, verify_math


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Adding them gives 7, so \\boxed{12} is wrong... no: \\boxed{13}", "13"),
        ("So the result is \\boxed{\\frac{3}{4}}.", "\\frac{3}{4}"),
        ("The final answer is 42.", "42"),
        ("Final Answer: **$12.50**", "$12.50"),
        ("answer: 3. Then we are done.", "3"),
        ("The answer is: 7 because 3 + 4 = 7", "7"),
        ("She has 5 apples and eats 2.\n#### 3", "3"),
        ("#### 1,234", "1,234"),
        ("First 2 + 3 = 5, then\n5 * 2 = 10", "10"),
        ("x = 5.", "5"),
        ("I counted 3 cats and then 7 dogs", "7"),
        ("The difference is -4 degrees", "-4"),
        ("Half of it: 3/4 of the cake", "3/4"),
    ],
)
def test_extract_final_answer(text, expected):
    assert extract_final_answer(text) == expected


def test_boxed_with_nested_braces_is_taken_whole():
    assert extract_final_answer("\\boxed{\\dfrac{1}{2}}") == "\\dfrac{1}{2}"


def test_boxed_wins_over_answer_is():
    assert extract_final_answer("The answer is 5. Actually \\boxed{6}") == "6"


def test_no_number_means_no_answer():
    assert extract_final_answer("I do not know.") is None
    assert extract_final_answer("") is None


@pytest.mark.parametrize(
    ("candidate", "reference"),
    [
        ("42", "42"),
        ("42.0", "42"),
        ("1,234", "1234"),
        ("1,234,567.5", "1234567.5"),
        ("3/4", "0.75"),
        ("\\frac{3}{4}", "3/4"),
        ("\\dfrac{6}{8}", "0.75"),
        ("1 1/2", "1.5"),
        ("-3", "-3"),
        ("−3", "-3"),
        ("25%", "25"),
        ("25%", "0.25"),
        ("$5.00", "5"),
        ("€12", "12"),
        ("12 cm", "12"),
        ("5 apples", "5"),
        ("USD 5", "5"),
        ("x = 5", "5"),
        ("**42**", "42"),
        ("2^10", "1024"),
        ("2 * (3 + 4)", "14"),
        ("sqrt(2) * sqrt(8)", "4"),
        ("\\sqrt{16}", "4"),
        ("0.1 + 0.2", "0.3"),
        ("1e3", "1000"),
        ("42 because 40 + 2", "42"),
        ("Paris", "paris."),
    ],
)
def test_equal_values(candidate, reference):
    assert values_equal(candidate, reference)


@pytest.mark.parametrize(
    ("candidate", "reference"),
    [
        ("41", "42"),
        ("-3", "3"),
        ("3/4", "4/3"),
        ("25", "0.25"),
        ("3.33", "10/3"),
        ("1,234", "1.234"),
        ("x^2+3", "x^2+1"),
        ("2x+1", "2"),
        ("Paris", "London"),
        ("", ""),
    ],
)
def test_different_values(candidate, reference):
    assert not values_equal(candidate, reference)


def test_relative_tolerance_is_applied():
    assert values_equal("3.1415926", "pi", rel_tol=1e-6)
    assert not values_equal("3.14", "pi", rel_tol=1e-6)
    assert values_equal("3.14", "pi", rel_tol=1e-3)


def test_integers_compare_exactly_beyond_float_precision():
    assert values_equal("12345678901234567891", "12345678901234567891")
    assert not values_equal("12345678901234567891", "12345678901234567890", rel_tol=0)


@pytest.mark.parametrize(
    "hostile",
    [
        "__import__('os').system('echo pwned')",
        "(1).__class__",
        "().real",
        "exec('1')",
        "9^9^9^9",
        "10**10**10",
        "2^(10^9)",
        "1+" * 200 + "1",
    ],
)
def test_hostile_expressions_are_rejected_quickly(hostile):
    start = time.monotonic()
    assert parse_values(hostile) == []
    assert not values_equal(hostile, "0")
    assert time.monotonic() - start < 2.0


def test_names_other_than_sqrt_and_pi_are_not_evaluated():
    assert parse_values("a + b") == []
    assert parse_values("e") == []
    assert parse_values("pi") != []


def test_verify_math_pass_reports_extracted_and_reference():
    result = verify_math("Adding gives \\boxed{7}.", "7")
    assert (result.name, result.status) == ("math", "pass")
    assert "'7'" in result.detail and "reference '7'" in result.detail


def test_verify_math_fail_reports_both_values():
    result = verify_math("The answer is 8.", "7")
    assert result.status == "fail"
    assert "'8'" in result.detail and "'7'" in result.detail


def test_verify_math_without_an_answer_fails():
    result = verify_math("no idea", "7")
    assert result.status == "fail"
    assert "no final answer" in result.detail


def test_strict_extraction_needs_one_marked_value():
    from syndgen.verify.mathcheck import extract_final_answer, verify_math

    rambling = "it means 1 * 2 = 2 and 1/2 is equivalent to (1 + 1) / 2 which equals 3"
    assert extract_final_answer(rambling) is not None  # lenient: takes the trailing equation
    assert extract_final_answer(rambling, strict=True) is None
    assert extract_final_answer("The answer is 3 or 4", strict=True) is None
    assert extract_final_answer("Work shown. Final answer: 15 apples", strict=True) == "15 apples"
    assert verify_math(rambling, "2", strict=True).status == "fail"
