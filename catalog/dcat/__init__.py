"""DCAT-AP 3 / 2.1.1 export and import of the catalog (mapping, paging, endpoints, dump command)."""
