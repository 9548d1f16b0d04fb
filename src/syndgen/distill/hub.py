"""``syndgen push``: a run folder (dataset) or a train output (model) to a Hugging Face Hub.

``create_repo`` then ``upload_folder``; the folder's README.md (dataset card or model card) goes
with it. ``endpoint`` points at another Hub (a mirror, a self-hosted one, the tests' fake one).
Checkpoints and the MLflow store stay local.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from syndgen.errors import BackendError, InputError
from syndgen.extras import require

IGNORED = ["checkpoints/**", "mlruns/**", "mlflow_run_id", "store.sqlite*", "*.lock", ".*"]


def repo_type(folder: Path) -> Literal["model", "dataset"]:
    """A train output (adapter, merged model or GGUF) is a model, anything else a dataset."""
    if any((folder / name).exists() for name in ("merged", "adapter", "student.gguf", "config.json")):
        return "model"
    return "dataset"


def push(folder: Path, repo: str, endpoint: str | None, private: bool, token: str | None) -> str:
    """Upload ``folder`` to ``repo``; returns the commit URL."""
    require("train", "syndgen push")
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}", hint="push a run folder or a `syndgen train` output")
    if "/" not in repo:
        raise InputError(f"--repo {repo!r} must be ORG/NAME")
    kind = repo_type(folder)
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo, repo_type=kind, private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo,
            repo_type=kind,
            folder_path=str(folder),
            ignore_patterns=IGNORED,
            commit_message=f"syndgen push of {folder.name}",
        )
    except OfflineModeIsEnabled:
        raise BackendError(
            f"push to {repo}: the Hub client is in offline mode", hint="unset HF_HUB_OFFLINE"
        ) from None
    except HfHubHTTPError as exc:
        raise BackendError(f"push to {repo} failed: {exc}", hint="check --endpoint and the token") from None
    return str(getattr(info, "commit_url", info))
