"""The runner: builds the run context, schedules seeds, commits outcomes in seed order.

* :mod:`~syndgen.runner.build` — the frozen :class:`~syndgen.context.RunContext` for a config;
* :mod:`~syndgen.runner.scheduler` — the plan window, the in-order commit and the budget;
* :mod:`~syndgen.runner.settle` — the final duplicate and quota gate on each committed sample;
* :mod:`~syndgen.runner.lockstep` — deterministic batching, used only for backends that declare it;
* :mod:`~syndgen.runner.run` — :func:`run_pipeline`, a session from store to report.
"""
