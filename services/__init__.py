"""Knotwork's use cases (workflows, executions, credentials, triggers, queue) and its settings.

Services sit between the entry points (ui/, api/, main.py, worker.py) and the pure engine/ and models/.
"""
