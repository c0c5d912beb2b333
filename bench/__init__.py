"""Benchmarks: figures printed, not asserted. `make bench` runs them all (`python -m bench`)."""
