"""The benchmark of the brief's quality bars: `python -m bench.benchmark` (see its docstring)."""
