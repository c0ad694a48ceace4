"""Orchestration: one cycle, the monthly recap run, the run lock, the checks. Opens each
edge with its own section of the settings and does the bookkeeping."""
