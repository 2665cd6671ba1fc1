"""HTTP routes that are not UI pages: /healthz, /healthz/readiness and /metrics (health.py), /api/v1, /rest,
/webhook*.

Each module exposes a FastAPI `router`; ui.app_setup.register() includes them in NiceGUI's app.
"""
