"""The Knotwork engine: n8n-compatible workflow graphs, the executor, expressions and sandboxes.

Pure Python: no database, broker or UI. What it needs from outside comes in through
`engine.ports.Services`. Entry points: `engine.workflow.parse_workflow`,
`engine.registry.NodeRegistry` and `engine.runner.execute_workflow`.
"""
