"""Run configuration: the typed, strict schema (:mod:`.schema`) and how a config is loaded
(:mod:`.load`). Everything a caller needs is importable from here."""

from syndgen.config.load import (
    apply_overrides,
    check_config,
    load_config,
    parse_config,
    parse_set_option,
    read_yaml,
)
from syndgen.config.schema import (
    DEMO_TOPICS,
    AnyModelConfig,
    ExportConfig,
    ModelConfig,
    QualityConfig,
    RunConfig,
    StudentConfig,
    TaskConfig,
    models_in,
)

__all__ = [
    "DEMO_TOPICS",
    "AnyModelConfig",
    "ExportConfig",
    "ModelConfig",
    "QualityConfig",
    "RunConfig",
    "StudentConfig",
    "TaskConfig",
    "apply_overrides",
    "check_config",
    "load_config",
    "models_in",
    "parse_config",
    "parse_set_option",
    "read_yaml",
]
