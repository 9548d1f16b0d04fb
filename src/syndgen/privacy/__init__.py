"""Privacy: PII detection and redaction, pseudonyms, leakage and decontamination, the audit chain.

Each module has one job; only :mod:`syndgen.privacy.audit` is needed by every run (it has no
optional dependency). PII detection needs the ``privacy`` extra.
"""
