"""The continuously batched llama.cpp engine on the real embedded model."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from syndgen.backends.llama_engine import LlamaEngine
from syndgen.backends.llama_sampling import SamplingParams
from syndgen.backends.llamacpp import resolve_model_path
from syndgen.errors import Cancelled


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaEngine]:
    eng = LlamaEngine(resolve_model_path("smollm2"), n_ctx=1024, parallel=2, n_threads=2)
    yield eng
    eng.close()


def chat(engine: LlamaEngine, system: str, user: str) -> list[int]:
    text = (
        f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
    )
    return engine.tokenize(text, add_special=False)


SYSTEM = "You are a patient teacher. " * 12  # a long shared prefix, like a prompt's fixed part


def wait_for_steps(engine: LlamaEngine, steps: int) -> None:
    deadline = time.monotonic() + 120
    while engine.stats.steps < steps and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_busy_sequence_lends_its_prefix_cache_to_a_new_one(engine: LlamaEngine):
    long_run = engine.submit(
        chat(engine, SYSTEM, "Tell a long story."), SamplingParams(max_tokens=300, ignore_eos=True)
    )
    wait_for_steps(engine, engine.stats.steps + 3)  # its prompt is read; it is generating
    copied_before = engine.stats.copied_tokens
    prompt = chat(engine, SYSTEM, "Name a colour.")
    shared = len(chat(engine, SYSTEM, ""))  # tokens up to the user's text
    short = engine.submit(prompt, SamplingParams(max_tokens=16, temperature=0.0)).result()
    assert not long_run.done()  # the donor was still running when its cache was copied
    assert short.cached_tokens >= shared - 8  # the common part was not read again
    assert engine.stats.copied_tokens - copied_before >= shared - 8
    assert short.completion_tokens > 0 and short.text.strip()
    assert long_run.result().completion_tokens == 300


def test_cancel_drops_requests_in_flight_and_refuses_new_ones_until_reopened(engine: LlamaEngine):
    running = engine.submit(
        chat(engine, SYSTEM, "Count to a thousand."), SamplingParams(max_tokens=500, ignore_eos=True)
    )
    wait_for_steps(engine, engine.stats.steps + 2)
    engine.cancel_all()
    with pytest.raises(Cancelled):
        running.result(timeout=60)
    with pytest.raises(Cancelled):
        engine.submit(chat(engine, SYSTEM, "Hello"), SamplingParams(max_tokens=4)).result(timeout=60)
    engine.reopen()
    again = engine.submit(chat(engine, SYSTEM, "Hello"), SamplingParams(max_tokens=4, ignore_eos=True))
    assert again.result(timeout=60).completion_tokens == 4


def test_stats_account_for_every_token(engine: LlamaEngine):
    before = (engine.stats.generated_tokens, engine.stats.prompt_tokens, engine.stats.reused_tokens)
    prompt = chat(engine, SYSTEM, "Why is the sky blue?")
    result = engine.submit(prompt, SamplingParams(max_tokens=12, ignore_eos=True)).result()
    generated, read, reused = (
        engine.stats.generated_tokens - before[0],
        engine.stats.prompt_tokens - before[1],
        engine.stats.reused_tokens - before[2],
    )
    assert generated == result.completion_tokens == 12
    assert read + reused == len(prompt) and reused == result.cached_tokens
