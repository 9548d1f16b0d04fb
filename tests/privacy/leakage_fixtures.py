"""Seed examples, a reference file and an evaluation set with paragraphs a scripted generator
copies verbatim, and the scripted generator itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fakes import FakeBackend, scripted, stage_of

EXAMPLES = [
    {
        "question": "How should a discharge summary describe follow-up care?",
        "answer": (
            "The discharge summary for the patient in bed fourteen records that the wound on the left "
            "forearm was closed with six sutures on the ward, that the sutures are to be removed by the "
            "practice nurse after ten days, that the dressing is changed every second morning, and that "
            "the patient returns to the fracture clinic in three weeks with the radiographs taken on "
            "admission so the orthopaedic registrar can compare the alignment of both bones."
        ),
    },
    {
        "question": "What does a settlement letter say about instalments?",
        "answer": (
            "Under the settlement agreed with the claimant on the second day of mediation the company "
            "pays the outstanding balance in eleven monthly instalments of equal size, each falling due "
            "on the fifth working day of the month, with the first instalment paid into the account named "
            "in schedule two and every later instalment reduced by any amount already recovered through "
            "the insurer under the policy held by the firm since its incorporation."
        ),
    },
    {
        "question": "How does support answer a refund request?",
        "answer": (
            "Thank you for contacting the support desk about the refund for the annual plan you cancelled "
            "last week; our records show that the cancellation reached us inside the cooling off period, so "
            "the full amount goes back to the card ending in the digits you gave us, the bank usually shows "
            "it within five working days, and you keep access to the premium reports until the end of the "
            "current billing month as a courtesy from the team."
        ),
    },
]

REFERENCE = (
    "Internal memo, not for training: the quarterly audit of the claims team found that seventeen "
    "files were closed without the second signature the procedure requires, that the backlog of "
    "appeals grew by a third over the summer, and that the regional office in the north handled "
    "every complaint inside the service level while the southern office missed it in one case out "
    "of every four during the holiday weeks."
)

EVAL_ITEM = "Which planet in the solar system has the longest day measured against its own year length?"

TOPICS = [
    "copy example",
    "copy reference",
    "contaminate",
    "copy then fix",
    *[f"original {i}" for i in range(4)],
]


def snippet(text: str, start: int = 10, words: int = 12) -> str:
    return " ".join(text.split()[start : start + words])


def original(topic: str) -> str:
    return f"<think>I reason about {topic} from first principles.</think>An original answer about {topic}."


def answer(request) -> str:
    text = "\n".join(m.content for m in request.messages)
    question = request.messages[-1].content
    if stage_of(request) == "regenerate":
        return original("the fixed topic")
    if "copy example" in question:
        return f"<think>Recall the example.</think>{EXAMPLES[0]['answer']}"
    if "copy reference" in question:
        return f"<think>Recall the memo.</think>Here it is. {REFERENCE}"
    if "contaminate" in question:
        return f"<think>A benchmark item.</think>Consider this: {EVAL_ITEM} Jupiter is wrong; it is Venus."
    if "copy then fix" in question:
        return f"<think>Recall.</think>{EXAMPLES[1]['answer']}"
    for topic in TOPICS:
        if topic in text:
            return original(topic)
    return original("something")


def question(request) -> str:
    text = "\n".join(m.content for m in request.messages)
    topic = re.findall(r"Topic: (.*)", text)[-1].strip()
    return f"What is the key idea of {topic}?"


def score(request) -> str:
    graded = request.messages[-1].content + request.messages[-2].content
    if snippet(EXAMPLES[1]["answer"]) in graded:  # the critic quotes the copy back
        return json.dumps({"rationale": f"This repeats: {EXAMPLES[1]['answer']}", "score": 2})
    return '{"rationale": "sound", "score": 5}'


def copying_backend() -> FakeBackend:
    return FakeBackend(scripted(answer=answer, score=score, question=question))


def write_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    seeds = folder / "seeds.jsonl"
    seeds.write_text("".join(json.dumps(r) + "\n" for r in EXAMPLES), encoding="utf-8")
    reference = folder / "memo.txt"
    reference.write_text(f"Title line of the memo.\n\n{REFERENCE}\n", encoding="utf-8")
    evals = folder / "eval.jsonl"
    evals.write_text(json.dumps({"question": EVAL_ITEM, "answer": "Venus"}) + "\n", encoding="utf-8")
    return {"seeds": seeds, "reference": reference, "eval": evals}


def run_config(paths: dict[str, Path], **leakage) -> dict:
    return {
        "count": 5,
        "max_attempts": 60,
        "task": {"topics": TOPICS, "examples": {"path": str(paths["seeds"]), "k": 1}},
        "dedup": {"semantic_threshold": None},
        "coverage": {"enforce": False},
        "privacy": {
            "leakage": {"enabled": True, "references": [str(paths["reference"])], **leakage},
            "decontaminate": [str(paths["eval"])],
        },
    }
