"""Imports every domain's models so Alembic and the tests see the whole metadata. Defines none."""

from catalog.activity.models import Activity
from catalog.dataset.models import Package, PackageCollaborator, PackageExtra, PackageTag, Resource, Tag
from catalog.datastore.models import DatastoreLoad, DatastoreTable  # noqa: F401
from catalog.db import Base
from catalog.organization.models import Group, Member
from catalog.resource_view.models import ResourceView
from catalog.review.models import ReviewRevision
from catalog.site.models import SiteOption
from catalog.user.models import ApiToken, User
from catalog.vocab.models import Vocabulary
from harvest.models import HarvestJob, HarvestLog, HarvestObject, HarvestSource  # noqa: F401

__all__ = [
    "Activity",
    "ApiToken",
    "Base",
    "Group",
    "Member",
    "Package",
    "PackageCollaborator",
    "PackageExtra",
    "PackageTag",
    "Resource",
    "ResourceView",
    "ReviewRevision",
    "SiteOption",
    "Tag",
    "User",
    "Vocabulary",
]
