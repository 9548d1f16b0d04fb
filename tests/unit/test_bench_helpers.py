import importlib.util
from pathlib import Path

from syndgen.backends.common import AsyncLoop

_spec = importlib.util.spec_from_file_location(
    "throughput", Path(__file__).resolve().parents[2] / "bench" / "throughput.py"
)
assert _spec is not None and _spec.loader is not None
throughput = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(throughput)
markdown_table = throughput.markdown_table


def test_markdown_table_lists_scalars_only():
    table = markdown_table(
        {"verified_per_hour": 12.5, "llama_batched_bench_tokens_per_s": None, "pipeline": {"x": 1}}
    )
    assert table.splitlines() == [
        "| metric | value |",
        "|---|---|",
        "| verified_per_hour | 12.5 |",
        "| llama_batched_bench_tokens_per_s | n/a |",
    ]


def test_async_loop_caps_concurrency():
    import asyncio

    loop = AsyncLoop(concurrency=2)
    state = {"now": 0, "peak": 0}

    async def job():
        async with loop.semaphore:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
            await asyncio.sleep(0.01)
            state["now"] -= 1

    async def many():
        await asyncio.gather(*(job() for _ in range(8)))

    loop.run(many())
    loop.close()
    assert state["peak"] == 2


def test_async_loop_cancels_requests_in_flight_and_refuses_new_ones_until_reopened():
    import asyncio
    import threading

    import pytest

    from syndgen.errors import Cancelled

    loop = AsyncLoop(concurrency=2)
    started = threading.Event()

    async def slow():
        started.set()
        await asyncio.sleep(30)
        return "finished"

    async def quick():
        return "quick"

    outcome: dict[str, BaseException | str] = {}

    def call():
        try:
            outcome["slow"] = loop.run(slow())
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever the call raised
            outcome["slow"] = exc

    worker = threading.Thread(target=call)
    worker.start()
    assert started.wait(timeout=10)
    loop.cancel_all()
    worker.join(timeout=10)
    assert isinstance(outcome["slow"], Cancelled)
    with pytest.raises(Cancelled):
        loop.run(quick())
    loop.reopen()
    assert loop.run(quick()) == "quick"
    loop.close()
