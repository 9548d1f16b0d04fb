"""Arithmetic and short word problems whose answer the program computes exactly.

``math_problem(seed, index)`` is deterministic in ``(seed, index)``: the template rotates with the
index (so a run covers every template evenly) and the numbers come from a generator seeded with
both. Numbers stay small, so a small model gets some right. Difficulty 1 is one step with small
numbers, 2 is two steps or larger numbers, 3 is three steps or fractions. Answers are exact
(:class:`fractions.Fraction`) and rendered as an integer, a terminating decimal, or ``p/q``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from syndgen.errors import ConfigError

NAMES = ("Ava", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kai", "Lena")
ITEMS = ("apples", "marbles", "stickers", "pencils", "cookies", "books", "shells", "stamps", "cards")

Template = Callable[[random.Random, int], tuple[str, Fraction]]


class MathProblem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str
    reference_answer: str
    topic: str
    difficulty: int = Field(ge=1, le=3)


def render(value: Fraction, *, as_fraction: bool = False) -> str:
    """``7``, ``3.75`` or ``5/6``: an integer, a terminating decimal (unless ``as_fraction``), else p/q."""
    if value.denominator == 1:
        return str(value.numerator)
    if as_fraction:
        return f"{value.numerator}/{value.denominator}"
    rest = value.denominator
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest == 1:
        digits = 0
        while (value * 10**digits).denominator != 1:
            digits += 1
        return f"{float(value):.{digits}f}"
    return f"{value.numerator}/{value.denominator}"


def _sums(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    count, high = {1: (2, 20), 2: (3, 99), 3: (4, 999)}[difficulty]
    numbers = [rng.randint(1, high) for _ in range(count)]
    if rng.random() < 0.5:
        return f"What is {' + '.join(map(str, numbers))}?", Fraction(sum(numbers))
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    steps = " ".join(f"Then {name} gets {n} more." for n in numbers[1:])
    question = f"{name} has {numbers[0]} {item}. {steps} How many {item} does {name} have now?"
    return question, Fraction(sum(numbers))


def _products(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    ranges = {1: ((2, 10), (2, 10)), 2: ((11, 99), (2, 9)), 3: ((11, 99), (11, 99))}[difficulty]
    a, b = (rng.randint(*span) for span in ranges)
    if rng.random() < 0.5:
        return f"What is {a} × {b}?", Fraction(a * b)
    item = rng.choice(ITEMS)
    return f"A box holds {a} {item}. How many {item} are in {b} boxes?", Fraction(a * b)


def _differences(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    start = rng.randint(10, 30) * (10 if difficulty == 3 else 1)
    given = rng.randint(1, start - 1)
    if difficulty == 1:
        return f"{name} had {start} {item} and gave away {given}. How many are left?", Fraction(start - given)
    found = rng.randint(1, 20)
    question = f"{name} had {start} {item}, gave away {given}, then found {found} more."
    left = start - given + found
    if difficulty == 3:
        lost = rng.randint(1, left)
        question += f" Later {name} lost {lost}."
        left -= lost
    return f"{question} How many {item} does {name} have now?", Fraction(left)


def _percentages(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    choices = {1: (10, 25, 50), 2: (5, 15, 20, 30, 40, 75), 3: (10, 15, 20, 25, 30, 40)}
    percent = rng.choice(choices[difficulty])
    base = rng.randint(1, 10) * 20 * (5 if difficulty > 1 else 1)
    if difficulty < 3:
        return f"What is {percent}% of {base}?", Fraction(percent * base, 100)
    question = f"A jacket costs ${base}. It is on sale at {percent}% off. What is the sale price, in dollars?"
    return question, Fraction(base * (100 - percent), 100)


def _unit_price(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    count = rng.randint(2, 6)
    unit = Fraction(rng.randint(1, 10)) if difficulty < 3 else Fraction(rng.randint(4, 40), 4)
    total = unit * count
    intro = f"{count} notebooks cost ${render(total)}."
    if difficulty == 1:
        return f"{intro} How much does one notebook cost, in dollars?", unit
    more = rng.randint(count + 1, 12)
    return f"{intro} How much do {more} notebooks cost, in dollars?", unit * more


def _ages(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    name = rng.choice(NAMES)
    age, gap, years = rng.randint(3, 15), rng.randint(1, 9), rng.randint(2, 10)
    intro = f"{name} is {age} years old. {name}'s brother is {gap} years older."
    if difficulty == 1:
        return f"{intro} How old is the brother?", Fraction(age + gap)
    if difficulty == 2:
        return f"{intro} How old will the brother be in {years} years?", Fraction(age + gap + years)
    times = rng.randint(2, 4)
    question = (
        f"A mother is {times} times as old as her son. The son is {age} years old. "
        f"How old will the mother be in {years} years?"
    )
    return question, Fraction(times * age + years)


def _sharing(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    people, each = rng.randint(2, 8), rng.randint(2, 12)
    item = rng.choice(ITEMS)
    if difficulty == 1:
        total = people * each
        return f"{people} friends share {total} {item} equally. How many does each one get?", Fraction(each)
    aside = rng.randint(2, 9)
    total = people * each + aside
    question = f"There are {total} {item}. {aside} are put aside; {people} friends share the rest equally."
    if difficulty == 2:
        return question + " How many does each friend get?", Fraction(each)
    given = rng.randint(1, each - 1) if each > 1 else 0
    question += f" Each friend then gives {given} to a teacher. How many does each friend have left?"
    return question, Fraction(each - given)


def _proper_fraction(rng: random.Random) -> Fraction:
    denominator = rng.randint(2, 6)
    return Fraction(rng.randint(1, denominator - 1), denominator)


def _fractions(rng: random.Random, difficulty: int) -> tuple[str, Fraction]:
    if difficulty == 1:
        part = Fraction(1, rng.choice((2, 3, 4, 5)))
        whole = part.denominator * rng.randint(2, 12)
        return f"What is {part} of {whole}?", part * whole
    a, b = (_proper_fraction(rng) for _ in range(2))
    if difficulty == 2:
        return f"What is {a} + {b}? Give the answer as a fraction in lowest terms.", a + b
    return f"What is {a} × {b}? Give the answer as a fraction in lowest terms.", a * b


TEMPLATES: dict[str, Template] = {
    "sums": _sums,
    "products": _products,
    "differences": _differences,
    "percentages": _percentages,
    "unit price": _unit_price,
    "ages": _ages,
    "sharing equally": _sharing,
    "fractions": _fractions,
}


MATH_TOPICS: tuple[str, ...] = tuple(TEMPLATES)


def math_problem(
    seed: int, index: int, *, topic: str | None = None, difficulty: int | None = None
) -> MathProblem:
    """Problem ``index`` of the series ``seed``.

    ``topic`` is one of :data:`MATH_TOPICS` (rotating with the index when None); ``difficulty`` is
    1-3 (drawn with the numbers when None).
    """
    if topic is None:
        topic = MATH_TOPICS[(seed + index) % len(MATH_TOPICS)]
    elif topic not in TEMPLATES:
        raise ConfigError(f"unknown math topic {topic!r}", hint=f"use one of: {', '.join(MATH_TOPICS)}")
    rng = random.Random(f"syndgen-math:{seed}:{topic}:{index}")
    level = difficulty if difficulty is not None else rng.randint(1, 3)
    if level not in (1, 2, 3):
        raise ConfigError(f"math problem difficulty must be 1, 2 or 3, not {level}")
    question, answer = TEMPLATES[topic](rng, level)
    reference = render(answer, as_fraction=topic == "fractions")
    return MathProblem(question=question, reference_answer=reference, topic=topic, difficulty=level)
