"""A harvest source whose records need an organization is refused without one (issue 12 item 11), instead
of being accepted and then failing every record of every run with 'An organization must be provided'."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import ValidationError
from harvest.rules import ORGANIZATION_NEEDED
from tests.harvest.conftest import FAST_HTTP
from tests.harvest.remote import FakeCkan, ckan_package


@pytest.mark.parametrize("source_type, config", [
    ("ckan", {}), ("ckan", {"remote_orgs": "only_local"}), ("dcat_rdf", {}), ("dcat_json", {}),
])
def test_source_without_organization_is_refused(source_type: str, config: dict[str, Any], call: Any,
                                                sysadmin: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_create", sysadmin, name="no-org", url="http://example.org/catalog",
             source_type=source_type, config=config)
    assert refused.value.status == 409
    assert refused.value.errors == {"owner_org": [ORGANIZATION_NEEDED]}
    assert call("harvest_source_list", sysadmin) == []


def test_removing_the_organization_later_is_refused(make_source: Any, call: Any, sysadmin: Any,
                                                    fake_ckan: FakeCkan) -> None:
    source = make_source(fake_ckan.url)
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_update", sysadmin, id=source["id"], owner_org="")
    assert refused.value.errors == {"owner_org": [ORGANIZATION_NEEDED]}


def test_remote_orgs_create_needs_no_organization(fake_ckan: FakeCkan, call: Any, sysadmin: Any,
                                                  run: Any) -> None:
    fake_ckan.put(ckan_package(1))
    source = call("harvest_source_create", sysadmin, name="per-record-orgs", url=fake_ckan.url,
                  source_type="ckan", config={"http": FAST_HTTP, "remote_orgs": "create"})
    job = run(source)
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 0)
