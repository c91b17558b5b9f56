"""Dataset actions, split by kind: reads, writes, package_revise and collaborators."""

# ruff: noqa: F401
from catalog.dataset.actions import collaborators, read, revise, write
