"""Run a config with a generator that writes planted PII into every answer (the dryrun backend's
replies with a sentence added): ``python pii_scripted_run.py CONFIG RUN_DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from syndgen.backends.base import ChatRequest, ChatResponse
from syndgen.backends.dryrun import Config, DryRunBackend
from syndgen.config import load_config
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

PLANTED = {
    "PERSON": "Maria Gonzalez",
    "EMAIL_ADDRESS": "maria.g@example-mail.com",
    "CREDIT_CARD": "4111 1111 1111 1111",
}
SENTENCE = f"{PLANTED['PERSON']} ({PLANTED['EMAIL_ADDRESS']}) paid with card {PLANTED['CREDIT_CARD']}"


class LeakyBackend(DryRunBackend):
    """Dry-run replies whose answers name a person, an email address and a card."""

    def chat(self, request: ChatRequest) -> ChatResponse:
        reply = super().chat(request)
        text = reply.text.replace("Dry run answer:", f"Dry run answer: {SENTENCE}; ")
        return reply.model_copy(update={"text": text})


def main(config_path: str, run_dir: str) -> None:
    config = load_config(Path(config_path))
    generator = LeakyBackend(Config(backend="dryrun", latency_s=config.generator.latency_s, parallel=1))
    ctx = build_context(config, generator=generator, critic=generator)
    run_pipeline(config, Path(run_dir), context=ctx)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
