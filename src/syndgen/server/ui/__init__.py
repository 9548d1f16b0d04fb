"""The web UI served by ``syndgen serve`` at ``/``: runs, live monitor, records, review, quality
dashboard, templates. See :mod:`syndgen.server.ui.routes`."""
