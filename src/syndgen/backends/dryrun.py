"""A model-free backend that answers instantly with well-formed output.

For trying a config end to end without a model, and for measuring the pipeline itself (memory,
overhead) with no inference cost: ``syndgen run CONFIG --set generator.backend=dryrun``.
Questions are unique per seed, answers carry a reasoning trace, verdicts are valid JSON.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Literal

from pydantic import Field

from syndgen.backends.base import Capabilities, ChatRequest, ChatResponse
from syndgen.backends.common import ModelSettings
from syndgen.backends.stream import open_stream
from syndgen.records import Usage


class Config(ModelSettings):
    """Scripted replies and no model: checks a config end to end."""

    backend: Literal["dryrun"] = Field(description="scripted replies, no model: for tests and dry runs")
    model: str = Field(default="dryrun", description="the name its replies carry")
    score: int = Field(default=5, ge=1, le=5, description="the score every verdict gives")
    latency_s: float = Field(default=0.0, ge=0.0, description="simulated time per request")
    parallel: int = Field(default=16, ge=1, description="requests served at once")


_WORDS = (
    "river",
    "orbit",
    "copper",
    "lantern",
    "meadow",
    "signal",
    "harbor",
    "violet",
    "engine",
    "quartz",
    "ledger",
    "canyon",
    "pepper",
    "glacier",
    "tunnel",
    "mosaic",
    "falcon",
    "prism",
    "cedar",
    "beacon",
    "marble",
    "fossil",
    "comet",
    "garnet",
    "willow",
    "saddle",
    "anchor",
    "bamboo",
    "cobalt",
    "dune",
    "ember",
    "fjord",
    "grove",
    "hollow",
    "island",
    "jasper",
    "kettle",
    "lagoon",
    "maple",
    "nectar",
    "oasis",
    "pebble",
    "quiver",
    "rapids",
    "summit",
    "thistle",
    "umber",
    "valley",
    "wharf",
    "yarrow",
    "zenith",
    "atlas",
    "bramble",
)


def _words(seed: int | None, n: int) -> str:
    """``n`` words picked by ``seed``, so texts of different requests differ (pure)."""
    value = (seed or 0) * 2654435761 + 97
    picked = []
    for _ in range(n):
        value = (value * 6364136223846793005 + 1442695040888963407) % 2**64
        picked.append(_WORDS[value >> 58 if len(_WORDS) >= 64 else (value >> 40) % len(_WORDS)])
    return " ".join(picked)


def record_reply(schema: dict[str, Any], seed: int | None) -> str:
    """A structured record: one of the schema's ``examples``, its free-text fields (no enum,
    pattern or format) ending with seed-picked words so records differ (pure)."""
    examples = schema.get("examples") or [{}]
    value = examples[(seed or 0) % len(examples)]
    properties = schema.get("properties", {})
    varied = {key: _vary(properties.get(key, {}), item, seed) for key, item in value.items()}
    return json.dumps(varied)


def _vary(spec: dict[str, Any], item: Any, seed: int | None) -> Any:
    if not isinstance(item, str) or {"enum", "pattern", "format", "const"} & set(spec):
        return item
    return f"({_words(seed, 3)}) {item}"[: int(spec.get("maxLength", 10_000))]


_OPENER = re.compile(r'^answer ::= "((?:[^"\\]|\\.)*)" " "', re.MULTILINE)


def grammar_opener(grammar: str | None) -> str | None:
    """The literal words a grammar's ``answer`` must start with (a conversation pattern's
    opener), or None (pure)."""
    match = _OPENER.search(grammar or "")
    return match[1].replace('\\"', '"').replace("\\\\", "\\") if match else None


def respond(request: ChatRequest, score: int) -> str:
    """The canned reply for a request (pure)."""
    fmt = request.response_format
    opener = grammar_opener(fmt.grammar) if fmt is not None and fmt.kind == "text" else None
    if opener:
        return f"{opener} {_words(request.seed, 6)}?"
    if fmt is not None and fmt.name == "record" and fmt.schema_ is not None:
        record = record_reply(fmt.schema_, request.seed)
        if fmt.kind == "json":
            return record
        return f"<think>\nDry run: {_words(request.seed, 6)}.\n</think>\n\n{record}"
    if fmt is not None and fmt.kind == "json":
        return json.dumps({"rationale": "Dry run: the steps follow.", "score": score})
    if (fmt is not None and fmt.kind == "think") or "<think>" in request.messages[0].content:
        trace, answer = _words(request.seed, 6), _words(request.seed, 8)
        return f"<think>\nDry run: {trace}.\n</think>\n\nDry run answer: {answer}."
    return f"Dry-run question {request.seed}: {_words(request.seed, 8)}?"


class DryRunBackend:
    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def model_id(self) -> str:
        return self.config.model

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            structured_output=True,
            grammar=True,
            deterministic_seed=True,
            parallel=self.config.parallel,
            model_free=True,
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        if self.config.latency_s:
            time.sleep(self.config.latency_s)
        text = respond(request, self.config.score)
        fmt = request.response_format
        stream = open_stream(self.config.model, fmt.kind if fmt else None, request.seed)
        if stream is not None:  # word by word, as a model would decode them
            for word in re.findall(r"\S+\s*|\s+", text):
                stream.raw(word)
            stream.close()
        return ChatResponse(
            text=text,
            usage=Usage(
                prompt_tokens=sum(len(m.content) for m in request.messages) // 4,
                completion_tokens=len(text) // 4,
            ),
            model=self.config.model,
            finish_reason="stop",
            latency_s=self.config.latency_s,
        )

    def close(self) -> None:
        pass


def create(config: Config) -> DryRunBackend:
    return DryRunBackend(config)
