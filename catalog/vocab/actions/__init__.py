"""Vocabulary-domain actions: licences and tags, and tag vocabularies."""

# ruff: noqa: F401
from catalog.vocab.actions import tags, vocabularies
