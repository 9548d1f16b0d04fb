"""What ``syndgen templates show`` prints: a template's full run config, and every prompt its kind
sends, rendered with the template's own values (its first topic and axis values, its system
prompt, instructions and record schema)."""

from __future__ import annotations

from typing import Any

import yaml

from syndgen import prompts as prompt_lib
from syndgen.config.schema import RunConfig
from syndgen.records import Message
from syndgen.seeds.axes import flatten_topics
from syndgen.templates_lib import Template, template_config

KIND_PROMPTS: dict[str, tuple[str, ...]] = {
    "structured": ("record", "critic"),
    "qa": ("question", "answer", "critic"),
    "conversation": ("conversation_user", "answer", "critic_conversation"),
    "code": ("answer_code",),
    "math": ("answer_math",),
    "grounded": ("question_grounded", "answer_grounded", "critic_grounded"),
}
"""The prompts each kind sends for one record (a plugin kind shows none)."""


def config_yaml(template: Template, config: RunConfig) -> str:
    """The template block and the full run config, every default filled in, as YAML."""
    head = {
        "template": {"domain": template.domain, "task": template.task, "description": template.description}
    }
    body = yaml.safe_dump(config.public_dict(), sort_keys=False, allow_unicode=True, width=100)
    return yaml.safe_dump(head, sort_keys=False, allow_unicode=True) + body


def first_seed(config: RunConfig) -> tuple[str, dict[str, str]]:
    """The first topic and the first value of each axis: what the preview is about (pure)."""
    topics = list(flatten_topics(config.task.topics))
    attributes = {axis.name: axis.values[0] for axis in config.task.axes}
    return (topics[0] if topics else ""), attributes


def prompt_variables(name: str, config: RunConfig) -> dict[str, Any]:
    """The variables prompt ``name`` is previewed with: the shipped examples, with the
    template's values in their place."""
    topic, attributes = first_seed(config)
    variables = dict(prompt_lib.EXAMPLES.get(name, {}))
    if name == "record":
        from syndgen.kinds.structured import record_question, record_schema, record_variables

        question = record_question(topic, attributes)
        return record_variables(config, record_schema(config), question, rules="(from the schema)")
    if "topic" in variables:
        variables.update(topic=topic, attributes=attributes)
    if "system_prompt" in variables:
        variables["system_prompt"] = config.task.system_prompt
    return variables


def rendered_prompts(template: Template) -> list[tuple[str, tuple[Message, ...]]]:
    """Each prompt of the template's kind, rendered: ``(name, messages)``."""
    config = template_config(template)
    prompt_set = prompt_lib.PromptSet(config.prompts)
    names = KIND_PROMPTS.get(config.task.kind, ())
    return [(name, prompt_set.render(name, **prompt_variables(name, config))) for name in names]
