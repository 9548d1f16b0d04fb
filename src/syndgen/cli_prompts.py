"""``syndgen prompts``: list and preview the prompt templates and their grammars."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from syndgen import prompts as prompt_lib
from syndgen.config import load_config
from syndgen.errors import InputError


def register(app: typer.Typer, handle_errors: Callable[[Any], Any], out_console: Console) -> None:
    """Add the ``prompts`` group to ``app``."""
    prompts_app = typer.Typer(help="List and preview the prompt templates.", no_args_is_help=True)
    app.add_typer(prompts_app, name="prompts")

    @prompts_app.command("list")
    @handle_errors
    def prompts_list() -> None:
        """List the prompt templates."""
        for name in prompt_lib.names():
            out_console.print(name)

    @prompts_app.command("show")
    @handle_errors
    def prompts_show(
        name: Annotated[str, typer.Argument(help="template name (see: syndgen prompts list)")],
        config: Annotated[Path | None, typer.Option(help="config whose prompt overrides apply")] = None,
        raw: Annotated[bool, typer.Option(help="print the template source, not a rendered preview")] = False,
        grammar: Annotated[
            bool, typer.Option(help="print the grammar (GBNF) that shapes this prompt's reply")
        ] = False,
    ) -> None:
        """Preview a prompt template rendered with example values."""
        overrides = load_config(config).prompts if config else {}
        prompt_set = prompt_lib.PromptSet(overrides)
        if grammar:
            source = prompt_set.grammar_source(name)
            if source is None:
                raise InputError(
                    f"prompt '{name}' has no grammar",
                    hint=f"these do: {', '.join(prompt_lib.grammar_names())}",
                )
            sys.stdout.write(source)
            return
        if raw:
            sys.stdout.write(prompt_set.source(name))
            return
        for message in prompt_set.render(name, **prompt_lib.EXAMPLES.get(name, {})):
            out_console.rule(f"[bold]{message.role}")
            out_console.print(message.content, markup=False, highlight=False)
