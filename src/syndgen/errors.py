"""One error tree for everything syndgen raises on purpose.

Every error carries a one-line message that names the problem and, where there is one, the fix
(``hint``). The CLI turns any :class:`SyndgenError` into that line and a non-zero exit; no
traceback is shown for a user mistake.
"""

from __future__ import annotations


class SyndgenError(Exception):
    """Base of every error syndgen raises deliberately."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(SyndgenError):
    """The configuration is invalid: bad YAML, unknown key, wrong type, impossible value."""

    exit_code = 2


class InputError(SyndgenError):
    """A file or folder the user named is missing, unreadable or of the wrong kind."""

    exit_code = 2


class BackendError(SyndgenError):
    """A model backend failed. ``retryable`` says whether trying again may help."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        hint: str | None = None,
        record_level: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable
        self.record_level = record_level
        """True when only this request is at fault (prompt too long for the context, a reply
        that could not be decoded): the record is rejected and the run goes on."""


class Cancelled(BackendError):
    """The request was dropped because the run no longer needs it (its target was reached)."""


class ParseError(SyndgenError):
    """A model output could not be parsed into the expected structure."""

    exit_code = 4


class ExportError(SyndgenError):
    """A record cannot be written in the requested format (it breaks the format's rules)."""

    exit_code = 1


class RunStateError(SyndgenError):
    """The run folder conflicts with the request (different config, missing store, ...)."""

    exit_code = 2


class MissingExtraError(SyndgenError):
    """An optional dependency is not installed; the message names the pip command."""

    exit_code = 2
