"""Benchmarks of openedx-idv (``make bench``): figures belong here, never in timed unit tests."""
