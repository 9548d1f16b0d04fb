"""Record kinds: one module each, found through :mod:`syndgen.kinds.registry`."""
