"""Built-in verifiable tasks: problems whose ground truth the program computes itself."""

from .arithmetic import MATH_TOPICS, MathProblem, math_problem
from .coding import CODE_TOPICS, SPECS, CodeProblem, code_problem

__all__ = [
    "CODE_TOPICS",
    "MATH_TOPICS",
    "SPECS",
    "CodeProblem",
    "MathProblem",
    "code_problem",
    "math_problem",
]
