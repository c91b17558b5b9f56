"""Fixtures for the dataset tests that need a real `moisson serve` (concurrent writers)."""

from tests.servers import live_server  # noqa: F401
