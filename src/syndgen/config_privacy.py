"""The ``privacy:`` config section: PII redaction, leakage and decontamination checks.

Every field defaults to off, and a run whose privacy section is the default keeps the config
hash it had before the section existed, so older runs resume unchanged.
"""

from __future__ import annotations

from syndgen.config_sections import _Strict


class PrivacyConfig(_Strict):
    """What a run does to keep seed data private."""
