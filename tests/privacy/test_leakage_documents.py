"""A grounded run whose scripted generator answers by copying its passage whole: the copy of the
ingested document is rejected ``leak``, named by document and chunk, and is not exported."""

import json
import re
import sqlite3

import pytest

from fakes import FakeBackend
from syndgen.api import ingest_documents, inspect_run
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

PARAGRAPH = (
    "Full-time employees accrue two days of paid annual leave for every month worked, up to twenty "
    "four days in a calendar year, and a request for more than five consecutive days must reach the "
    "line manager at least four weeks before the first day of absence, while unused days above five "
    "lapse at the end of March unless the head of department approves a carry over in writing for "
    "reasons of illness, parental leave or an operational freeze."
)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    (docs / "policy.md").write_text(f"# Leave policy\n\n## Annual leave\n{PARAGRAPH}\n")
    out = tmp_path_factory.mktemp("idx") / "index"
    assert not ingest_documents([docs], out).failed
    return out


def respond(request):
    system = request.messages[0].content
    if "You grade an answer against the passages" in system:
        return json.dumps({"rationale": "ok", "score": 5, "supported": True})
    if "You write one question that the passage answers" in system:
        return "How much annual leave do full-time employees accrue?"
    everything = "\n".join(m.content for m in request.messages)
    passage = re.findall(r"\[1\] \([^)]*\) (.*)", everything)[-1]
    return f"<think>The passage states it.</think>{passage} [1]"


def test_a_copied_document_chunk_is_rejected_and_named(tmp_path, index):
    config = RunConfig.model_validate(
        {
            "count": 1,
            "max_attempts": 4,
            "task": {"kind": "grounded"},
            "grounding": {"index": str(index), "top_k": 1, "context": "exclude"},
            "dedup": {"semantic_threshold": None},
            "privacy": {"leakage": {"enabled": True, "sources": ["documents"]}},
        }
    )
    backend = FakeBackend(respond)
    out = tmp_path / "run"
    result = run_pipeline(config, out, context=build_context(config, generator=backend, critic=backend))
    assert result.samples == 0
    db = sqlite3.connect(out / "run.sqlite")
    details = [d for (d,) in db.execute("SELECT detail FROM rejections WHERE reason = 'leak'")]
    assert details and all("policy.md" in d and "chunk" in d and "tokens shared" in d for d in details)
    report = inspect_run(out)["leakage"]
    assert report["rejected_leak"] >= 1 and report["copies"][0]["source"].split("/")[-1].startswith(
        "policy.md"
    )
    export_run(out)
    needle = " ".join(PARAGRAPH.split()[5:17])
    for path in (out / "data").glob("*") if (out / "data").exists() else []:
        assert needle not in path.read_text(errors="ignore")
    answers = [a for (a,) in db.execute("SELECT answer FROM attempts")]
    assert answers and not any(needle in a for a in answers)
