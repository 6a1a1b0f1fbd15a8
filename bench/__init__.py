"""Benchmarks: synthetic data at scale (``generate``) and the measurements built on it.

Speed is shown by ratios against a baseline measured in the same run, never by
timed assertions in tests (see bench/README.md).
"""
