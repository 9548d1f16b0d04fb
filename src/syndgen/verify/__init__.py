"""Programmatic verifiers: check a record's answer by computation rather than by a model's opinion.

Pure library. ``math`` compares a final answer by value, ``code`` runs the answer's Python against
tests in a sandbox, ``json``/``regex``/``exact`` check structure; :func:`run_verifiers` applies a
configured list to a record, :func:`vote` picks the majority of k answers, and
:mod:`syndgen.verify.tasks` makes problems whose answers are known.
"""

from .codecheck import extract_code, verify_code
from .mathcheck import extract_final_answer, values_equal, verify_math
from .registry import Verifier, register, registered, resolve, run_one, run_verifiers
from .result import VerifierResult, summarise
from .sandbox import SandboxResult, namespace_isolation, run_python
from .structure import extract_json, verify_exact, verify_json, verify_regex
from .tasks import CodeProblem, MathProblem, code_problem, math_problem
from .voting import VoteResult, vote

__all__ = [
    "CodeProblem",
    "MathProblem",
    "SandboxResult",
    "Verifier",
    "VerifierResult",
    "VoteResult",
    "code_problem",
    "extract_code",
    "extract_final_answer",
    "extract_json",
    "math_problem",
    "namespace_isolation",
    "register",
    "registered",
    "resolve",
    "run_one",
    "run_python",
    "run_verifiers",
    "summarise",
    "values_equal",
    "verify_code",
    "verify_exact",
    "verify_json",
    "verify_math",
    "verify_regex",
    "vote",
]
