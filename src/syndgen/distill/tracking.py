"""MLflow tracking: a local file store in the output folder unless a tracking URI is given.

``mlflow-skinny`` refuses a file store unless ``MLFLOW_ALLOW_FILE_STORE=true``. The run id is kept
in the output folder, so a resumed training run logs into the same MLflow run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

RUN_ID_FILE = "mlflow_run_id"
EXPERIMENT = "syndgen-train"


class Tracker:
    def __init__(self, out: Path, uri: str | None, params: dict[str, Any]) -> None:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        import mlflow

        self._mlflow = mlflow
        mlflow.set_tracking_uri(uri or (out / "mlruns").resolve().as_uri())
        mlflow.set_experiment(EXPERIMENT)
        id_file = out / RUN_ID_FILE
        run_id = id_file.read_text().strip() if id_file.is_file() else None
        self.run = mlflow.start_run(run_id=run_id)
        if run_id is None:
            id_file.write_text(self.run.info.run_id)
            mlflow.log_params({k: str(v)[:250] for k, v in params.items()})

    def log(self, metrics: dict[str, float], step: int) -> None:
        self._mlflow.log_metrics(metrics, step=step)

    def close(self) -> None:
        self._mlflow.end_run()
