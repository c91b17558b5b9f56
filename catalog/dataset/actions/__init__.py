"""Dataset actions, split by kind: reads, writes, package_revise, resource reordering and collaborators."""

# ruff: noqa: F401
from catalog.dataset.actions import collaborators, read, reorder, revise, write
