"""Operational scripts, run as files: `python scripts/kill_mid_burst.py --backend sqlite`."""
