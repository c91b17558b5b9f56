"""package_create for many new datasets in one flush (a harvest's new records): the same JSON Schema,
rules, save, dictize and after-write step (publish.py) as `write_package`, with the per-dataset queries
(owner organization, tags, search rows) done once per batch.

Only the common case goes this way; `creatable` sends anything else back to the caller, which then calls
package_create for that dataset (and gets its exact error, or its rarer work: groups, chosen ids, resource
ids, uploads, auth for non-sysadmins, renaming a deleted dataset that holds the name).
"""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.dataset import rules, save
from catalog.dataset.dictize import package_dictize
from catalog.dataset.publish import PackageChange, after_package_write
from catalog.errors import ActionError
from catalog.organization.models import Group
from catalog.registry import check_input

# Organization reference (id or name) -> its id, or None when package_create would refuse it.
OrgCache = dict[str, str | None]


def creatable(ctx: ActionContext, data: dict[str, Any], orgs: OrgCache) -> tuple[dict[str, Any], str | None] | None:
    """(validated data, owner organization id) when package_create would accept `data` as it stands, given
    that the caller has checked that its name is free (no live or deleted dataset holds it); else None."""
    if not ctx.actor.is_sysadmin:
        return None  # auth functions run per dataset
    try:
        checked = check_input("package_create", data)  # the dispatcher's own checks, with package_create's schema
    except ActionError:
        return None
    if checked.error is not None:
        return None
    data = checked.data
    if data.get("id") or data.get("groups") or data.get("name") in rules.RESERVED_NAMES:
        return None
    if any(not isinstance(r, dict) or r.get("id") or r.get("upload") for r in data.get("resources") or []):
        return None
    if any(tag.get("vocabulary_id") for tag in data.get("tags") or []):
        return None  # vocabulary checks and vocab_<name> search fields: package_create alone handles them
    owner_org = None
    if data.get("owner_org"):
        ref = data["owner_org"]
        if ref not in orgs:
            errors: rules.Errors = {}
            orgs[ref] = rules.owner_org_accepts_actor(ctx, ref, errors)
        owner_org = orgs[ref]
        if owner_org is None:
            return None
    errors = {}
    rules.private_needs_org(data, owner_org, errors)
    rules.extras_are_valid(data.get("extras") or [], errors)
    if errors:
        return None
    return data, owner_org


def create_packages(ctx: ActionContext, items: list[tuple[dict[str, Any], str | None]]) -> list[dict[str, Any]]:
    """Create the datasets of `creatable` results in one flush; returns their package_show dicts.

    Raises the database's IntegrityError when a name was taken meanwhile: the caller runs this in a
    savepoint and falls back to one package_create per dataset."""
    session = ctx.session
    tags = save.get_or_create_tags(session, list(dict.fromkeys(key for data, _ in items for key in save.tag_names(data))))
    packages, new_files = [], []
    for data, owner_org in items:
        package = save.new_package_row(ctx, data, data["name"])
        # Built before the row is in the session: its collections start empty, with no lazy loads.
        new_files.append(save.apply_package_fields(ctx, package, data, owner_org, known_tags=tags))
        packages.append(package)
    session.add_all(packages)
    session.flush()
    # Held here because the session's identity map is weak: without a reference, every dictize below
    # would load the organization again (one query per dataset).
    held = [session.get(Group, org_id) for org_id in {owner for _, owner in items if owner}]
    created = [package_dictize(session, package, ctx.settings, groups=[]) for package in packages]
    after_package_write(ctx, [PackageChange(package, "new package", files, is_new=True)
                              for package, files in zip(created, new_files, strict=True)])
    del held
    return created
