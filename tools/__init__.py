"""Operator tools outside the services: the `anjian` CLI, demo data, and the launcher that runs a
private copy of the platform (used by the CLI, the benchmarks and the tests)."""
