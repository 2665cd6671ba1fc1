"""Running user code: the RestrictedPython policy and the process pool for Code nodes."""
