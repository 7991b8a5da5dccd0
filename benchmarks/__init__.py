"""Measurement scripts, run by hand: ``python -m benchmarks.<name>``."""
