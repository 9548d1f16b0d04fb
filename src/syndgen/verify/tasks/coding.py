"""Small Python function problems with asserting tests, for the ``code`` verifier.

``code_problem(seed, index)`` is deterministic in ``(seed, index)``: the problem rotates with the
index, and the test inputs come from a generator seeded with both, so two indexes of the same
problem are tested on different values. Expected values are computed by the reference solutions
in :mod:`.solutions`, whose source each problem carries as ``reference_solution``.
"""

from __future__ import annotations

import inspect
import random
import string
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from syndgen.errors import ConfigError

from . import solutions as ref

Args = tuple[Any, ...]


class CodeProblem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    function_name: str
    tests: str
    topic: str
    difficulty: int = Field(ge=1, le=3)
    reference_solution: str


@dataclass(frozen=True)
class CodeSpec:
    function: Callable[..., Any]
    signature: str
    description: str
    difficulty: int
    cases: Callable[[random.Random], list[Args]]
    fixed: tuple[Args, ...] = ()

    @property
    def name(self) -> str:
        return self.function.__name__


def _ints(rng: random.Random, low: int, high: int, count: int = 5) -> list[Args]:
    return [(rng.randint(low, high),) for _ in range(count)]


def _word(rng: random.Random, low: int = 3, high: int = 9, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def _words(rng: random.Random, count: int = 4) -> list[Args]:
    return [(" ".join(_word(rng) for _ in range(rng.randint(1, 5))),) for _ in range(count)]


def _int_lists(rng: random.Random, low: int = -20, high: int = 50, count: int = 4) -> list[Args]:
    return [([rng.randint(low, high) for _ in range(rng.randint(2, 8))],) for _ in range(count)]


def _palindromes(rng: random.Random) -> list[Args]:
    half = _word(rng, 2, 5, "abcdeABCDE")
    return [(half + half[::-1],), (half + "x" + half[::-1],), (_word(rng, 4, 8),), (half + "qz",)]


def _fizzbuzz_cases(rng: random.Random) -> list[Args]:
    not_3_or_5 = (1, 2, 4, 7, 8, 11, 13, 14)
    return [(15 * rng.randint(1, 9),), (3 * rng.choice(not_3_or_5),), (5 * rng.choice(not_3_or_5),),
            (rng.choice(not_3_or_5),)]  # fmt: skip


def _gcd_pairs(rng: random.Random) -> list[Args]:
    pairs: list[Args] = []
    for _ in range(5):
        common = rng.randint(1, 9)
        pairs.append((common * rng.randint(1, 20), common * rng.randint(1, 20)))
    return pairs


def _distinct_pairs(rng: random.Random) -> list[Args]:
    cases = _int_lists(rng)
    return [case for case in cases if len(set(case[0])) >= 2] or [([1, 2],)]


SPECS: tuple[CodeSpec, ...] = (
    CodeSpec(ref.add, "add(a: int, b: int) -> int", "returns the sum of a and b", 1,
             lambda r: [(r.randint(-50, 50), r.randint(-50, 50)) for _ in range(5)]),
    CodeSpec(ref.reverse_string, "reverse_string(s: str) -> str", "returns s reversed", 1,
             lambda r: [(_word(r),) for _ in range(4)], fixed=(("",),)),
    CodeSpec(ref.is_even, "is_even(n: int) -> bool", "returns True when n is even, else False", 1,
             lambda r: _ints(r, -100, 100), fixed=((0,),)),
    CodeSpec(ref.max_of_list, "max_of_list(nums: list[int]) -> int",
             "returns the largest number in the non-empty list nums, without using max()", 1, _int_lists),
    CodeSpec(ref.count_words, "count_words(s: str) -> int",
             "returns the number of words in s (words are separated by whitespace)", 1, _words),
    CodeSpec(ref.sum_of_evens, "sum_of_evens(nums: list[int]) -> int",
             "returns the sum of the even numbers in nums (0 when there are none)", 1, _int_lists,
             fixed=(([],),)),
    CodeSpec(ref.celsius_to_fahrenheit, "celsius_to_fahrenheit(c: float) -> float",
             "converts a temperature from degrees Celsius to degrees Fahrenheit", 1,
             lambda r: [(5 * r.randint(-20, 30),) for _ in range(4)]),
    CodeSpec(ref.count_vowels, "count_vowels(s: str) -> int",
             "returns how many vowels (a, e, i, o, u, in either case) s contains", 2,
             lambda r: [(_word(r, 3, 12, string.ascii_letters),) for _ in range(5)]),
    CodeSpec(ref.factorial, "factorial(n: int) -> int", "returns n! for n >= 0 (0! is 1)", 2,
             lambda r: _ints(r, 1, 12, 4), fixed=((0,),)),
    CodeSpec(ref.fizzbuzz, "fizzbuzz(n: int) -> str",
             'returns "FizzBuzz" if n is divisible by 3 and 5, "Fizz" if by 3 only, "Buzz" if by 5 '
             "only, else n as a string", 2,
             _fizzbuzz_cases),
    CodeSpec(ref.sum_of_digits, "sum_of_digits(n: int) -> int",
             "returns the sum of the decimal digits of n (ignore the sign)", 2,
             lambda r: [*_ints(r, 0, 99999), (-r.randint(1, 999),)]),
    CodeSpec(ref.is_palindrome, "is_palindrome(s: str) -> bool",
             "returns True when s reads the same forwards and backwards, ignoring case", 2, _palindromes),
    CodeSpec(ref.gcd, "gcd(a: int, b: int) -> int",
             "returns the greatest common divisor of two positive integers a and b", 2,
             _gcd_pairs),
    CodeSpec(ref.capitalize_words, "capitalize_words(s: str) -> str",
             "returns s with each space-separated word capitalised (first letter upper case, the rest "
             "lower case), words joined by single spaces", 2, _words),
    CodeSpec(ref.to_binary, "to_binary(n: int) -> str",
             'returns the binary representation of n >= 0 as a string without a prefix ("0" for 0)', 2,
             lambda r: _ints(r, 1, 1024, 4), fixed=((0,),)),
    CodeSpec(ref.running_sum, "running_sum(nums: list[int]) -> list[int]",
             "returns the list of running totals of nums (element i is the sum of nums[0..i])", 2,
             _int_lists, fixed=(([],),)),
    CodeSpec(ref.is_prime, "is_prime(n: int) -> bool", "returns True when n is a prime number", 3,
             lambda r: _ints(r, 2, 200, 6), fixed=((0,), (1,), (97,))),
    CodeSpec(ref.fibonacci, "fibonacci(n: int) -> int",
             "returns the n-th Fibonacci number, where fibonacci(0) == 0 and fibonacci(1) == 1", 3,
             lambda r: _ints(r, 2, 30, 4), fixed=((0,), (1,))),
    CodeSpec(ref.remove_duplicates, "remove_duplicates(items: list[int]) -> list[int]",
             "returns items without repeated values, keeping the first occurrence of each in order", 3,
             lambda r: _int_lists(r, 0, 6)),
    CodeSpec(ref.second_largest, "second_largest(nums: list[int]) -> int",
             "returns the second largest distinct value in nums (nums has at least two distinct values)", 3,
             _distinct_pairs),
    CodeSpec(ref.char_frequency, "char_frequency(s: str) -> dict[str, int]",
             "returns a dict mapping each character of s to the number of times it occurs", 3,
             lambda r: [(_word(r, 3, 10, "abcab c"),) for _ in range(3)], fixed=(("",),)),
)  # fmt: skip


# Problem kinds: each has problems at every difficulty level, so a harder or easier problem of the
# same kind always exists.
TOPIC_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "numbers": ("add", "is_even", "celsius_to_fahrenheit", "factorial", "fizzbuzz", "sum_of_digits", "gcd",
                "to_binary", "is_prime", "fibonacci"),
    "strings": ("reverse_string", "count_words", "count_vowels", "is_palindrome", "capitalize_words",
                "char_frequency"),
    "lists": ("max_of_list", "sum_of_evens", "running_sum", "remove_duplicates", "second_largest"),
}  # fmt: skip
CODE_TOPICS: tuple[str, ...] = tuple(TOPIC_FUNCTIONS)


def topic_of(spec: CodeSpec) -> str:
    return next(topic for topic, names in TOPIC_FUNCTIONS.items() if spec.name in names)


def _render_tests(spec: CodeSpec, cases: list[Args]) -> str:
    lines: list[str] = []
    seen: set[str] = set()
    for args in cases:
        call = f"{spec.name}({', '.join(repr(a) for a in args)})"
        if call in seen:
            continue
        seen.add(call)
        expected = spec.function(*args)
        if isinstance(expected, float):
            lines.append(f"assert abs({call} - {expected!r}) < 1e-9, {call!r}")
        else:
            lines.append(f"assert {call} == {expected!r}, {call!r}")
    return "\n".join(lines) + "\n"


def reference_source(spec: CodeSpec) -> str:
    """The reference solution's source text, ready to run on its own."""
    return textwrap.dedent(inspect.getsource(spec.function))


def _candidates(topic: str | None, difficulty: int | None) -> list[CodeSpec]:
    if topic is not None and topic not in TOPIC_FUNCTIONS:
        raise ConfigError(f"unknown code topic {topic!r}", hint=f"use one of: {', '.join(CODE_TOPICS)}")
    if difficulty is not None and difficulty not in (1, 2, 3):
        raise ConfigError(f"code problem difficulty must be 1, 2 or 3, not {difficulty}")
    return [
        spec
        for spec in SPECS
        if (topic is None or spec.name in TOPIC_FUNCTIONS[topic])
        and (difficulty is None or spec.difficulty == difficulty)
    ]


def code_problem(
    seed: int, index: int, *, topic: str | None = None, difficulty: int | None = None
) -> CodeProblem:
    """Problem ``index`` of the series ``seed``, with tests on values drawn from both.

    ``topic`` (one of :data:`CODE_TOPICS`) and ``difficulty`` (1-3) narrow the choice; the problem
    rotates with the index among those that match.
    """
    candidates = _candidates(topic, difficulty)
    spec = candidates[(seed + index) % len(candidates)]
    rng = random.Random(f"syndgen-code:{seed}:{spec.name}:{index}")
    cases = [*spec.fixed, *spec.cases(rng)]
    return CodeProblem(
        question=f"Write a Python function `{spec.signature}` that {spec.description}.",
        function_name=spec.name,
        tests=_render_tests(spec, cases),
        topic=topic_of(spec),
        difficulty=spec.difficulty,
        reference_solution=reference_source(spec),
    )
