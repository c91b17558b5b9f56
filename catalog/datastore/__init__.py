"""The DataStore: tabular resources loaded into one table each, searchable through CKAN's datastore_* actions."""
