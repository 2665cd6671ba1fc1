"""The execution inspector: a finished (or running) execution's run data, read-only.

The page itself is ui/pages/inspector.py; its parts live here: `summary` (header, error card,
notes), `timeline` (per-node bars), `node_run` (one node run's input and output) and `run_data`
(the pure readers they share).
"""
