"""Every module that registers actions, imported explicitly (no scanning by name). Add yours here."""

# ruff: noqa: F401
import catalog.activity.actions
import catalog.dataset.actions
import catalog.datastore.actions
import catalog.datastore.aggregate
import catalog.organization.actions
import catalog.resource.actions
import catalog.resource_view.actions
import catalog.review.actions
import catalog.search.actions
import catalog.site.actions
import catalog.site.config_actions
import catalog.user.actions
import catalog.vocab.actions
import harvest.actions
