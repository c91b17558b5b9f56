"""Moisson's harvester: pulls CKAN, DCAT and data.json catalogs into the local catalog."""
