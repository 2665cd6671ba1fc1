"""HTTP routes that are not UI pages: /healthz now; /api/v1, /webhook* and /metrics arrive with their issues.

Each module exposes a FastAPI `router`; ui.app_setup.register() includes them in NiceGUI's app.
"""
