"""The execution inspector: a finished (or running) execution's run data, read-only."""
