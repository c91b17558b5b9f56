"""Organization and group actions, split by concern: reads, writes, memberships."""

# ruff: noqa: F401
from catalog.organization.actions import members, read, write
