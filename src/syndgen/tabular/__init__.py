"""Structured (tabular) data with a privacy guarantee.

* :mod:`.schema` - column types (inferred, or set in a small YAML) and the identifier guard.
* :mod:`.synth` - differentially private synthesis (OpenDP's MST and AIM) and sampling.
* :mod:`.bounds` - bins for numeric columns: from bounds the user gives, or DP-estimated.
* :mod:`.ledger` - the privacy budget spent per source file (its SHA-256).
* :mod:`.anonymity` and :mod:`.generalise` - k-anonymity, l-diversity and generalisation.
* :mod:`.risk` - re-identification risk of a synthetic table against the real one.

Everything here needs the ``tabular`` extra (``pip install 'syndgen[tabular]'``); modules import
pandas and OpenDP lazily, at the call that needs them.
"""
