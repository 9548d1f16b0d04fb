"""Build the labelled critic set: word problems with right answers and four kinds of wrong ones.

Run ``python tests/data/make_critic_set.py`` to rewrite ``critic_labelled.jsonl`` (deterministic).
Kinds: ``correct`` (sound reasoning, right answer: label good); ``wrong_number`` (the reasoning
and answer carry an arithmetic slip); ``off_topic`` (a sound answer to a different question);
``empty_reasoning`` (the right number with no reasoning at all); ``contradiction`` (sound
reasoning, then an answer that contradicts it). Every wrong kind is labelled bad.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).with_name("critic_labelled.jsonl")

Problem = tuple[str, str, int]  # question, reasoning, answer


def _apples(r: random.Random) -> Problem:
    a, b, c = r.randint(3, 9), r.randint(4, 12), r.randint(1, 10)
    return (
        f"A shop has {a} boxes of {b} apples and sells {c} apples. How many apples are left?",
        f"{a} boxes of {b} apples is {a} * {b} = {a * b} apples. "
        f"Selling {c} leaves {a * b} - {c} = {a * b - c}.",
        a * b - c,
    )


def _speed(r: random.Random) -> Problem:
    v, t = r.randint(30, 90), r.randint(2, 6)
    return (
        f"A car drives at {v} km/h for {t} hours. How many kilometres does it travel?",
        f"Distance is speed times time: {v} * {t} = {v * t} km.",
        v * t,
    )


def _discount(r: random.Random) -> Problem:
    price, pct = r.choice([20, 40, 60, 80, 120, 200]), r.choice([10, 25, 50])
    off = price * pct // 100
    return (
        f"A jacket costs ${price} and is {pct}% off. What is the sale price in dollars?",
        f"{pct}% of {price} is {off}. The discount is subtracted: {price} - {off} = {price - off}.",
        price - off,
    )


def _share(r: random.Random) -> Problem:
    n, k = r.randint(2, 8), r.randint(3, 9)
    return (
        f"{n * k} sweets are shared equally among {n} children. How many sweets does each child get?",
        f"Sharing equally means dividing: {n * k} / {n} = {k}.",
        k,
    )


def _ages(r: random.Random) -> Problem:
    a, d = r.randint(5, 15), r.randint(2, 9)
    return (
        f"Mia is {a} years old and her brother is {d} years older. How old will her brother be in 3 years?",
        f"Her brother is {a} + {d} = {a + d} now. In 3 years he is {a + d} + 3 = {a + d + 3}.",
        a + d + 3,
    )


def _rectangle(r: random.Random) -> Problem:
    w, h = r.randint(3, 12), r.randint(3, 12)
    return (
        f"A rectangle is {w} cm wide and {h} cm long. What is its perimeter in cm?",
        f"The perimeter is 2 * ({w} + {h}) = 2 * {w + h} = {2 * (w + h)}.",
        2 * (w + h),
    )


def _savings(r: random.Random) -> Problem:
    s, wk, spend = r.randint(5, 20), r.randint(3, 8), r.randint(1, 15)
    return (
        f"Leo saves ${s} a week for {wk} weeks and then spends ${spend}. How many dollars does he have?",
        f"He saves {s} * {wk} = {s * wk} dollars, then {s * wk} - {spend} = {s * wk - spend}.",
        s * wk - spend,
    )


def _pages(r: random.Random) -> Problem:
    p, d = r.randint(10, 40), r.randint(2, 7)
    return (
        f"Ana reads {p} pages a day. How many pages does she read in {d} days?",
        f"{p} pages a day for {d} days is {p} * {d} = {p * d} pages.",
        p * d,
    )


MAKERS: list[Callable[[random.Random], Problem]] = [
    _apples,
    _speed,
    _discount,
    _share,
    _ages,
    _rectangle,
    _savings,
    _pages,
]


def rows(seed: int = 0, per_maker: int = 30) -> list[dict[str, object]]:
    r = random.Random(seed)
    problems = [maker(r) for _ in range(per_maker) for maker in MAKERS]
    kinds = ["correct"] * 4 + ["wrong_number", "off_topic", "empty_reasoning", "contradiction"]
    plan = [kinds[j] for j in range(8) for _ in range(len(problems) // 8)]
    r.shuffle(plan)
    out: list[dict[str, object]] = []
    for i, (question, reasoning, answer) in enumerate(problems):
        kind = plan[i]
        row: dict[str, object] = {"question": question, "kind": kind}
        slip = answer + r.choice([-3, -2, -1, 1, 2, 5, 10])
        if kind == "correct":
            row |= {"reasoning": reasoning, "answer": f"The answer is {answer}.", "label": "good"}
        elif kind == "wrong_number":
            wrong = reasoning.rsplit(str(answer), 1)[0] + str(slip) + "."
            row |= {"reasoning": wrong, "answer": f"The answer is {slip}.", "label": "bad"}
        elif kind == "off_topic":
            _, other_r, other_a = problems[(i + 3) % len(problems)]
            row |= {"reasoning": other_r, "answer": f"The answer is {other_a}.", "label": "bad"}
        elif kind == "empty_reasoning":
            row |= {"reasoning": "", "answer": f"The answer is {answer}.", "label": "bad"}
        else:
            row |= {"reasoning": reasoning, "answer": f"The answer is {slip}.", "label": "bad"}
        out.append(row)
    return out


def main() -> None:
    OUT.write_text("".join(json.dumps(row) + "\n" for row in rows()), encoding="utf-8")


if __name__ == "__main__":
    main()
