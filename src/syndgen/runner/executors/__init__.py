"""Where a session's seeds run: the scheduler's one seam.

The :class:`~syndgen.runner.scheduler.Scheduler` decides which seeds run (the plan window, the
budget) and commits their outcomes in seed order; an executor only runs them:

* :mod:`~syndgen.runner.executors.local` — threads of this process (the default);
* :mod:`~syndgen.runner.executors.ray` — shards of seeds on Ray actors, each owning its backends
  (:mod:`~syndgen.runner.executors.ray_worker` is the actor, :mod:`~syndgen.runner.executors.ray_cluster`
  connects to or starts the cluster, on 127.0.0.1 unless told otherwise).
"""
