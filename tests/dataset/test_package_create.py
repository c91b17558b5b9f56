"""package_create and package_show: CKAN's dict shape, rules and messages."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import IntegrityError, NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user

PACKAGE_KEYS = {
    "author", "author_email", "creator_user_id", "extras", "groups", "id", "isopen", "license_id", "license_title",
    "license_url", "maintainer", "maintainer_email", "metadata_created", "metadata_modified", "name", "notes",
    "num_resources", "num_tags", "organization", "owner_org", "private", "relationships_as_object",
    "relationships_as_subject", "resources", "state", "tags", "title", "type", "url", "version",
}
RESOURCE_KEYS = {
    "cache_last_updated", "cache_url", "created", "datastore_active", "description", "format", "hash", "id",
    "last_modified", "metadata_modified", "mimetype", "mimetype_inner", "name", "package_id", "position",
    "resource_type", "size", "state", "url", "url_type",
}
ORG_KEYS = {"id", "name", "title", "type", "description", "image_url", "created", "is_organization",
            "approval_status", "state"}


def full_dataset(org_id: str, name: str = "rsa-par-commune") -> dict:
    return {
        "name": name, "title": "Allocataires du RSA - par Commune", "owner_org": org_id, "license_id": "lov2",
        "notes": "Nombre d'allocataires du revenu de solidarité active par commune.",
        "tags": [{"name": "rsa"}, {"name": "Commune"}],
        "extras": [{"key": "frequency", "value": "annual"}, {"key": "temporal_start", "value": "2013-12-31"}],
        "resources": [
            {"url": "http://example.org/RSACom2013.csv", "name": "RSACom2013.csv", "format": "csv"},
            {"url": "http://example.org/lisezmoi.txt", "name": "Lisez-moi"},
        ],
    }


def test_package_create_returns_ckan_package_dict(call, sysadmin, org):
    created = call("package_create", sysadmin, **full_dataset(org["id"]))
    assert set(created) == PACKAGE_KEYS
    assert created["type"] == "dataset" and created["state"] == "active" and created["private"] is False
    assert created["license_title"] == "Licence Ouverte / Open Licence version 2.0"
    assert created["license_url"].startswith("https://www.etalab.gouv.fr/")
    assert created["isopen"] is True
    assert created["num_resources"] == 2 and created["num_tags"] == 2
    assert set(created["organization"]) == ORG_KEYS and created["organization"]["name"] == "cnaf"
    assert created["owner_org"] == org["id"]
    assert [t["name"] for t in created["tags"]] == ["Commune", "rsa"]  # sorted by name, case kept
    assert set(created["tags"][0]) == {"display_name", "id", "name", "state", "vocabulary_id"}
    assert created["extras"] == [{"key": "frequency", "value": "annual"},
                                 {"key": "temporal_start", "value": "2013-12-31"}]
    first, second = created["resources"]
    assert set(first) == RESOURCE_KEYS
    assert (first["position"], second["position"]) == (0, 1)
    assert first["format"] == "CSV"  # normalised
    assert second["format"] == "TXT"  # guessed from the URL
    assert first["package_id"] == created["id"]
    # naive UTC with microseconds, no zone
    assert "+" not in created["metadata_created"] and not created["metadata_created"].endswith("Z")
    assert call("package_show", ANONYMOUS, id=created["name"]) == created
    assert call("package_show", ANONYMOUS, id=created["id"]) == created


def test_package_create_without_license_url_omits_license_url(call, sysadmin, org):
    created = call("package_create", sysadmin, name="x-nolicense", owner_org=org["id"], license_id="other-open")
    assert "license_url" not in created and created["license_title"] == "Other (Open)"
    unknown = call("package_create", sysadmin, name="x-unknown", owner_org=org["id"], license_id="my-own")
    assert unknown["license_title"] == "my-own" and unknown["isopen"] is False


def test_package_create_title_defaults_to_name(call, sysadmin, org):
    created = call("package_create", sysadmin, name="sans-titre", owner_org=org["name"])
    assert created["title"] == "sans-titre" and created["owner_org"] == org["id"]


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        ("A", ["Must be at least 2 characters long", 'Name "A" length is less than minimum 2']),
        ("Not Valid", ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"]),
        ("x" * 101, ["Name must be a maximum of 100 characters long",
                     f'Name "{"x" * 101}" length is more than maximum 100']),
        (12, ["Names must be strings"]),
    ],
)
def test_package_create_name_messages(call, sysadmin, org, name, messages):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name=name, owner_org=org["id"])
    assert caught.value.errors == {"name": messages}


def test_package_create_requires_name_and_organization(call, sysadmin):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin)
    assert caught.value.errors == {"name": ["Missing value"], "owner_org": ["An organization must be provided"]}


def test_package_create_name_in_use(call, sysadmin, org):
    call("package_create", sysadmin, name="doublon", owner_org=org["id"])
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="doublon", owner_org=org["id"])
    assert caught.value.errors == {"name": ["That URL is already in use."]}


def test_package_create_reserved_and_unknown_org(call, sysadmin, org):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="new", owner_org="no-such-org")
    assert caught.value.errors == {"name": ["That name cannot be used"], "owner_org": ["Organization does not exist"]}


def test_package_create_tag_messages_are_flat(call, sysadmin, org):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="tags-bad", owner_org=org["id"],
             tags=[{"name": "x"}, {"name": "ok tag"}, {"name": "bad!"}])
    assert caught.value.errors == {"tags": [
        'Tag "x" length is less than minimum 2',
        'Tag "bad!" can only contain alphanumeric characters, spaces (" "), hyphens ("-"), underscores ("_") or dots (".")',
    ]}


def test_package_create_tag_string_and_unicode_tags(call, sysadmin, org):
    created = call("package_create", sysadmin, name="tags-ok", owner_org=org["id"],
                   tag_string="prestations familiales, Allocations, petite-enfance")
    assert [t["name"] for t in created["tags"]] == ["Allocations", "petite-enfance", "prestations familiales"]
    accented = call("package_create", sysadmin, name="tags-accents", owner_org=org["id"], tags=[{"name": "élève"}])
    assert accented["tags"][0]["name"] == "élève"


def test_package_create_list_of_strings_for_tags_is_integrity_error(call, sysadmin, org):
    with pytest.raises(IntegrityError):
        call("package_create", sysadmin, name="tags-strings", owner_org=org["id"], tags=["a", "b"])


def test_package_create_extras_rules(call, sysadmin, org):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="extras-bad", owner_org=org["id"],
             extras=[{"key": "title", "value": "x"}, {"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
    assert caught.value.errors == {
        "extras": [{"key": ["There is a schema field with the same name"]}, {}, {}],
        "extras_validation": ['Duplicate key "a"'],
    }


def test_package_create_id_only_for_sysadmins(call, sysadmin, org):
    editor = make_user(call, "editrice")
    call("organization_member_create", sysadmin, id=org["id"], username="editrice", role="editor")
    with pytest.raises(ValidationError) as caught:
        call("package_create", editor, name="with-id", owner_org=org["id"],
             id="0b5a1f3e-8c1d-4a57-9f0e-2b7f4c3d2a11")
    assert caught.value.errors == {"id": ["The input field id was not expected."]}
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="bad-id", owner_org=org["id"], id="not-a-uuid")
    assert caught.value.errors == {"id": ["Invalid id provided"]}
    chosen = call("package_create", sysadmin, name="with-id", owner_org=org["id"],
                  id="0b5a1f3e-8c1d-4a57-9f0e-2b7f4c3d2a11")
    assert chosen["id"] == "0b5a1f3e-8c1d-4a57-9f0e-2b7f4c3d2a11"


def test_package_create_authorization(call, sysadmin, org):
    with pytest.raises(NotAuthorized) as caught:
        call("package_create", ANONYMOUS, name="anon", owner_org=org["id"])
    assert caught.value.error_body()["message"] == "Access denied: User  not authorized to create packages"
    outsider = make_user(call, "outsider")
    with pytest.raises(NotAuthorized) as caught:
        call("package_create", outsider, name="outside", owner_org=org["id"])
    assert "not authorized to add dataset to this organization" in caught.value.message
    member = make_user(call, "membre")
    call("organization_member_create", sysadmin, id=org["id"], username="membre", role="member")
    with pytest.raises(NotAuthorized):
        call("package_create", member, name="as-member", owner_org=org["id"])
    editor = make_user(call, "editeur")
    call("organization_member_create", sysadmin, id=org["id"], username="editeur", role="editor")
    created = call("package_create", editor, name="as-editor", owner_org=org["id"], state="draft")
    assert created["creator_user_id"] == editor.user_id
    assert created["state"] == "active"  # a non-sysadmin's state is ignored on create (CKAN)


def test_package_show_private_and_missing(call, sysadmin, org):
    private = call("package_create", sysadmin, name="prive", owner_org=org["id"], private=True)
    with pytest.raises(NotAuthorized) as caught:
        call("package_show", ANONYMOUS, id="prive")
    assert caught.value.error_body()["message"] == f"Access denied: User  not authorized to read package {private['id']}"
    member = make_user(call, "lecteur")
    call("organization_member_create", sysadmin, id=org["id"], username="lecteur", role="member")
    assert call("package_show", member, id="prive")["private"] is True
    with pytest.raises(NotFound) as caught:
        call("package_show", ANONYMOUS, id="nope")
    assert caught.value.error_body() == {"__type": "Not Found Error", "message": "Not found"}


def test_package_create_private_requires_boolean_and_org(call, sysadmin, org):
    with pytest.raises(ValidationError) as caught:
        call("package_create", sysadmin, name="private-bad", owner_org=org["id"], private="maybe")
    assert "private" in caught.value.errors
    created = call("package_create", sysadmin, name="private-string", owner_org=org["id"], private="true")
    assert created["private"] is True
