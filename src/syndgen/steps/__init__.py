"""Pipeline steps: each one is a plain callable over records."""
