"""Seed plans: what each record should be about."""
