"""A small Python client of the job API (``syndgen serve``).

>>> client = syndgen.Client("http://127.0.0.1:8765")  # doctest: +SKIP
>>> job = client.submit({"count": 5, "generator": {"backend": "dryrun"}})  # doctest: +SKIP
>>> client.wait(job["id"])["state"]  # doctest: +SKIP
'done'

Errors the server answers (a bad config, an unknown job) raise :class:`ApiError` with the
server's one-line message and the HTTP status.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from syndgen.errors import SyndgenError

FINISHED = frozenset({"done", "incomplete", "failed", "cancelled", "interrupted"})


class ApiError(SyndgenError):
    """The server refused a request; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Client:
    def __init__(self, url: str = "http://127.0.0.1:8765", token: str | None = None, timeout: float = 30.0):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error", response.text))
            except ValueError:
                message = response.text
            raise ApiError(response.status_code, message)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, path, **kwargs).json()

    def submit(
        self,
        config: dict[str, Any] | str | Path | None = None,
        name: str | None = None,
        template: str | None = None,
    ) -> dict[str, Any]:
        """Queue a job: a config as a mapping, as YAML/JSON text, or a config file's path; with
        ``template`` (``domain/task``), ``config`` holds keys laid over the template's."""
        params = {k: v for k, v in {"name": name, "template": template}.items() if v}
        headers = {"Content-Type": "application/yaml"}
        body = _body(config)
        result: dict[str, Any] = self._json("POST", "/v1/jobs", content=body, params=params, headers=headers)
        return result

    def check_config(
        self, config: dict[str, Any] | str | Path | None = None, template: str | None = None
    ) -> Any:
        """Validate a config as a submission would be, without queuing it."""
        params = {"template": template} if template else {}
        headers = {"Content-Type": "application/yaml"}
        return self._json("POST", "/v1/configs/check", content=_body(config), params=params, headers=headers)

    def templates(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", "/v1/templates")["items"]
        return result

    def template(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/templates/{name}")
        return result

    def records(self, job_id: str, **filters: Any) -> dict[str, Any]:
        """Every attempt as a row: ``status``, ``topic``, ``axis``, ``min_score``, ``reason``,
        ``difficulty``, ``verified``, ``privacy``, ``review``, ``q``, ``limit``, ``offset``..."""
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/records", params=filters)
        return result

    def record(self, job_id: str, seed_index: int) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/records/{seed_index}")
        return result

    def reviews(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/reviews")
        return result

    def review(
        self, job_id: str, seed_index: int, decision: str, reviewer: str, **fields: Any
    ) -> dict[str, Any]:
        """Store a decision: ``accept``, ``reject`` (``reason=``) or ``edit`` (``answer=``,
        optionally ``reasoning=``); ``attempt_no=`` picks an attempt other than the kept one."""
        body = {"seed_index": seed_index, "decision": decision, "reviewer": reviewer, **fields}
        result: dict[str, Any] = self._json("POST", f"/v1/jobs/{job_id}/reviews", json=body)
        return result

    def privacy(self, job_id: str) -> dict[str, Any]:
        """Redactions by entity type, the leakage report, the audit chain's status, the exports."""
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/privacy")
        return result

    def quality(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/quality")
        return result

    def jobs(self, state: str | list[str] | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if state is not None:
            params["state"] = [state] if isinstance(state, str) else state
        result: dict[str, Any] = self._json("GET", "/v1/jobs", params=params)
        return result

    def job(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}")
        return result

    def cancel(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/v1/jobs/{job_id}/cancel")
        return result

    def resume(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("POST", f"/v1/jobs/{job_id}/resume")
        return result

    def delete(self, job_id: str, purge: bool = False) -> dict[str, Any]:
        params = {"purge": "true"} if purge else {}
        result: dict[str, Any] = self._json("DELETE", f"/v1/jobs/{job_id}", params=params)
        return result

    def samples(self, job_id: str, **filters: Any) -> dict[str, Any]:
        """``limit``, ``offset``, ``topic``, ``min_score``, ``q``."""
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/samples", params=filters)
        return result

    def rejections(self, job_id: str, **filters: Any) -> dict[str, Any]:
        """``limit``, ``offset``, ``stage``, ``reason``."""
        result: dict[str, Any] = self._json("GET", f"/v1/jobs/{job_id}/rejections", params=filters)
        return result

    def export(self, job_id: str, format: str = "sft", to: str = "jsonl") -> bytes:
        return self._call("GET", f"/v1/jobs/{job_id}/exports/{format}", params={"to": to}).content

    def events(self, job_id: str, start: int = 0) -> Iterator[dict[str, Any]]:
        """The job's events as dicts (``type``, ``t``, ...), followed until the job stops."""
        params = {"from": start}
        with self._http.stream("GET", f"/v1/jobs/{job_id}/events", params=params, timeout=None) as response:
            if response.status_code >= 400:
                response.read()
                raise ApiError(response.status_code, response.text)
            for line in response.iter_lines():
                if line.startswith("data: "):
                    yield json.loads(line[6:])

    def wait(self, job_id: str, timeout: float = 600.0, poll_s: float = 0.2) -> dict[str, Any]:
        """Poll until the job stops; returns its detail."""
        deadline = time.monotonic() + timeout
        while True:
            detail = self.job(job_id)
            if detail["state"] in FINISHED:
                return detail
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {detail['state']} after {timeout:g}s")
            time.sleep(poll_s)


def _body(config: dict[str, Any] | str | Path | None) -> str:
    if config is None:
        return ""
    if isinstance(config, dict):
        return json.dumps(config)
    if isinstance(config, Path):
        return config.read_text(encoding="utf-8")
    return config


def config_text(config: dict[str, Any]) -> str:
    """A config mapping as YAML text (what ``curl --data-binary @config.yaml`` sends)."""
    return yaml.safe_dump(config, sort_keys=False)
