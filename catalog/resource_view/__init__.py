"""Resource views (CKAN's resource_view_* actions): saved ways of showing a resource — a table, a text, an image
or a chart of its DataStore table — listed in order on its dataset's page."""
