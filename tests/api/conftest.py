"""Fixtures for the API's end-to-end tests: a real `moisson serve` per database kind."""

from tests.servers import live_server  # noqa: F401
