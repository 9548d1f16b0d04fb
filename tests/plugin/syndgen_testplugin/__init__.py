"""A syndgen plugin used by syndgen's own tests."""
