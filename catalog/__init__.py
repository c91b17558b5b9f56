"""Moisson's catalog: the CKAN Action API, search, DCAT, datastore and web pages."""
