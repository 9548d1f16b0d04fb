"""Waves: a lockstep backend is reset at each wave's start, and a resumed run reruns the
unfinished wave, so a run interrupted anywhere resumes to the uninterrupted run's data."""

import json
from contextlib import nullcontext, suppress

import pytest

from fakes import FakeBackend, scripted
from syndgen.backends.base import Capabilities
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore


class StatefulLockstep(FakeBackend):
    """Replies depend on how many requests it served since its last reset, as a real engine's
    tokens depend on its cache history: only a replay from a reset point reproduces them."""

    def __init__(self) -> None:
        self.since_reset = 0
        self.resets = 0

        def respond(request):
            self.since_reset += 1
            base = scripted()(request)
            if base.startswith("<think>"):
                return base.replace("forty-two", f"forty-two, said {self.since_reset % 5} times")
            return base

        super().__init__(respond)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(structured_output=True, deterministic_seed=True, parallel=1, lockstep=True)

    @property
    def lockstep(self):
        return self

    def hold(self):
        return nullcontext()

    def clients(self, delta):
        pass

    def settled(self, finished):
        return True

    def release_clients(self):
        pass

    def reset(self):
        self.since_reset = 0
        self.resets += 1


class Stop(Exception):
    pass


def config():
    return RunConfig(
        count=9, workers=1, task={"topics": [f"t{i}" for i in range(9)]}, dedup={"semantic_threshold": None}
    )


def run(run_dir, stop_after=None):
    backend = StatefulLockstep()
    ctx = build_context(config(), generator=backend, critic=backend, duplicates=False)
    seen = []

    def on_outcome(outcome, samples, attempts):
        seen.append(outcome.seed.index)
        if stop_after is not None and len(seen) >= stop_after:
            raise Stop

    with suppress(Stop):
        run_pipeline(config(), run_dir, context=ctx, on_outcome=on_outcome)
    return backend, seen


def rows(run_dir):
    export_run(run_dir, formats=["sft"], to=["jsonl"])
    return (run_dir / "data" / "sft.jsonl").read_bytes()


def test_waves_reset_the_engine_between_waves(tmp_path):
    backend, seen = run(tmp_path / "r")
    assert seen == list(range(9))
    assert backend.resets == 3  # window 4: waves 0-3, 4-7, 8: a reset before each


@pytest.mark.parametrize("stops", [[2], [5, 1], [1, 1, 1, 1], [6, 2]])
def test_interrupted_anywhere_resumes_to_the_same_data(tmp_path, stops):
    run(tmp_path / "whole")
    reference = rows(tmp_path / "whole")
    for k in stops:
        run(tmp_path / "cut", stop_after=k)
    _backend, seen = run(tmp_path / "cut")
    assert rows(tmp_path / "cut") == reference
    store = RunStore.open_existing(tmp_path / "cut")
    assert [r[0] for r in store.rows("SELECT seed_index FROM outcomes ORDER BY seed_index")] == list(range(9))
    store.close()
    # the rerun wave's committed seeds were not committed twice nor reported as new
    assert len(seen) == len(set(seen))
    assert json.loads(reference.splitlines()[0])["id"] == "seed-000000"
