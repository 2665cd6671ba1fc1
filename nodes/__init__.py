"""Node types, one module each, grouped by family. Each family exposes NODE_TYPES for the registry."""
