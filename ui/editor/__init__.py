"""The workflow editor: canvas, node details view (parameter forms, expressions, data panels)."""
