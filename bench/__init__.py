"""Benchmarks: each script compares our shop with a baseline in one run (see bench/README.md)."""
