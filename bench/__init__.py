"""Benchmarks, run by hand (`python -m bench.<name>`); never part of `make test`."""
