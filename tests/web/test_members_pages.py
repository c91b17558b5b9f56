"""The members pages of organizations and groups through the test client, on both databases: list, add by user name
or e-mail, change a capacity, remove, paging and search; who may do it (anonymous visitors go to the login page,
the others get 403) and that the page tells nobody else whether an e-mail address has an account."""

from __future__ import annotations

import re
from typing import Any

from catalog.context import Actor
from tests.conftest import Caller, make_user
from tests.web.conftest import as_user, get, post

NO_USER_FR = "Aucun utilisateur ne correspond à ce nom ou à cette adresse électronique."
NO_USER_EN = "There is no user with this name or e-mail."


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def members(call: Caller, sysadmin: Actor, id: str) -> dict[str, str]:
    """{user id: capacity}, without the sysadmin who created the organization or group (its first administrator)."""
    return {row[0]: row[2] for row in call("member_list", sysadmin, id=id, object_type="user")
            if row[0] != sysadmin.user_id}


def test_organization_members_add_change_remove(client: Any, call: Caller, sysadmin: Actor,
                                                org: dict[str, Any]) -> None:
    admin, rene, edith = make_user(call, "alice"), make_user(call, "rene"), make_user(call, "edith")
    call("organization_member_create", sysadmin, id=org["id"], username="alice", role="admin")
    call("organization_member_create", sysadmin, id=org["id"], username="edith", role="editor")
    page = "/organization/members/cnaf"

    as_user(client, edith)  # an editor sees the members, but no forms; posting is refused
    status, html = get(client, page, "fr")
    assert status == 200 and "Membres" in html and "alice" in html and "Administrateur" in html
    assert "Ajouter un membre" not in html and "/organization/members/cnaf/remove" not in html
    assert post(client, page, form_page=page, username="rene", role="reviewer").status_code == 403
    assert post(client, page + "/remove", form_page=page, username="alice").status_code == 403
    assert post(client, page + "/role", form_page=page, username="edith", role="admin").status_code == 403
    as_user(client, None)
    response = client.get(page)
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    assert client.post(page + "/remove", data={"username": "alice"}).status_code in (302, 400)
    assert members(call, sysadmin, "cnaf") == {admin.user_id: "Admin", edith.user_id: "Editor"}

    as_user(client, admin)
    assert page in get(client, "/organization/cnaf", "fr")[1]  # linked from its page
    status, html = get(client, page, "fr")
    assert "Ajouter un membre" in html and '<option value="reviewer">Relecteur</option>' in html
    assert "Identifiant ou courriel" in html
    unknown = post(client, page, "fr", form_page=page, username="personne", role="reviewer")
    assert unknown.status_code == 400 and NO_USER_FR in unknown.get_data(as_text=True)
    added = post(client, page, "fr", form_page=page, username="rene", role="reviewer")
    assert added.status_code == 302
    assert members(call, sysadmin, "cnaf")[rene.user_id] == "Reviewer"
    html = get(client, page, "en")[1]
    assert re.search(r'data-user="rene">.*?<option value="reviewer" selected>Reviewer</option>', html, re.S)

    post(client, page + "/role", form_page=page, username="edith", role="reviewer")
    post(client, page + "/remove", form_page=page, username="rene")
    assert members(call, sysadmin, "cnaf") == {admin.user_id: "Admin", edith.user_id: "Reviewer"}
    # An administrator cannot demote themselves here either: a message, and they stay admin.
    response = post(client, page + "/role", "en", form_page=page, username="alice", role="member")
    assert "You cannot remove your own administrator capacity" in get(client, response.headers["Location"])[1]
    assert members(call, sysadmin, "cnaf")[admin.user_id] == "Admin"
    # A capacity that does not exist, and a post without its CSRF token, change nothing.
    assert post(client, page + "/role", form_page=page, username="edith", role="owner").status_code == 400
    assert client.post(page, data={"username": "rene", "role": "member"}).status_code == 400
    assert rene.user_id not in members(call, sysadmin, "cnaf")


def test_adding_by_email_and_the_email_oracle(client: Any, call: Caller, sysadmin: Actor,
                                              org: dict[str, Any]) -> None:
    admin, outsider, editor = make_user(call, "alice"), make_user(call, "oscar"), make_user(call, "edith")
    make_user(call, "rene")  # rene@example.org
    call("organization_member_create", sysadmin, id=org["id"], username="alice", role="admin")
    call("organization_member_create", sysadmin, id=org["id"], username="edith", role="editor")
    page = "/organization/members/cnaf"

    # Those who may not manage the members get the same 403 for an address with an account and one without.
    for actor in (outsider, editor):
        as_user(client, actor)
        known = post(client, page, "en", form_page=page, username="rene@example.org", role="member")
        unknown = post(client, page, "en", form_page=page, username="nobody@example.org", role="member")
        assert known.status_code == unknown.status_code == 403
        assert without_tokens(known.get_data(as_text=True)) == without_tokens(unknown.get_data(as_text=True))
    assert len(members(call, sysadmin, "cnaf")) == 2

    as_user(client, admin)
    unknown = post(client, page, "en", form_page=page, username="nobody@example.org", role="member")
    assert unknown.status_code == 400 and NO_USER_EN in unknown.get_data(as_text=True)
    assert 'value="nobody@example.org"' in unknown.get_data(as_text=True)  # kept in the field
    added = post(client, page, "en", form_page=page, username="  Rene@Example.ORG ", role="editor")
    assert added.status_code == 302
    shown = get(client, added.headers["Location"])[1]
    assert "The user with this e-mail is now a member (Editor)." in shown and "rene is now" not in shown
    assert "rene" in {m["name"] for m in call("organization_show", sysadmin, id="cnaf", include_users=True)["users"]
                      if m["capacity"] == "editor"}
    # A deleted account is nobody.
    call("user_delete", sysadmin, id="oscar")
    gone = post(client, page, "en", form_page=page, username="oscar@example.org", role="member")
    assert gone.status_code == 400 and NO_USER_EN in gone.get_data(as_text=True)


def test_group_members(client: Any, call: Caller, sysadmin: Actor) -> None:
    group = call("group_create", sysadmin, name="sante", title="Santé")
    admin, member, rene = make_user(call, "alice"), make_user(call, "marc"), make_user(call, "rene")
    call("group_member_create", sysadmin, id=group["id"], username="alice", role="admin")
    call("group_member_create", sysadmin, id=group["id"], username="marc", role="member")
    page = "/group/members/sante"

    as_user(client, member)
    status, html = get(client, page, "fr")
    assert status == 200 and "alice" in html and "Ajouter un membre" not in html
    assert page not in get(client, "/group/sante", "fr")[1]  # no link for a member
    assert post(client, page, form_page=page, username="rene", role="member").status_code == 403
    assert post(client, page + "/remove", form_page=page, username="alice").status_code == 403

    as_user(client, admin)
    assert page in get(client, "/group/sante", "fr")[1]
    status, html = get(client, page, "fr")
    options = re.search(r'<select id="role"[^>]*>(.*?)</select>', html, re.S)
    assert options and re.findall(r'value="(\w+)"', options.group(1)) == ["admin", "member"]
    # Groups have no reviewers: the form refuses the capacity before the action would.
    refused = post(client, page, "fr", form_page=page, username="rene", role="reviewer")
    assert refused.status_code == 400 and rene.user_id not in members(call, sysadmin, "sante")
    assert post(client, page, form_page=page, username="rene", role="admin").status_code == 302
    assert members(call, sysadmin, "sante")[rene.user_id] == "Admin"
    assert post(client, page + "/role", form_page=page, username="rene", role="reviewer").status_code == 400
    post(client, page + "/role", form_page=page, username="rene", role="member")
    post(client, page + "/remove", form_page=page, username="marc")
    assert members(call, sysadmin, "sante") == {admin.user_id: "Admin", rene.user_id: "Member"}
    assert get(client, "/group/members/nowhere")[0] == 404
    assert get(client, "/group/members/cnaf-does-not-exist")[0] == 404


def test_an_organization_is_not_a_group(client: Any, call: Caller, sysadmin: Actor, org: dict[str, Any]) -> None:
    as_user(client, sysadmin)
    assert get(client, "/group/members/cnaf")[0] == 404
    assert get(client, "/organization/members/cnaf")[0] == 200


def test_paging_and_search(client: Any, call: Caller, sysadmin: Actor, org: dict[str, Any]) -> None:
    for number in range(1, 56):
        user = call("user_create", sysadmin, name=f"agent{number:02d}", email=f"agent{number:02d}@example.org",
                    password="correct-horse", fullname=f"Agent {number:02d}" + (" Dupont" if number % 10 == 0 else ""))
        call("organization_member_create", sysadmin, id=org["id"], username=user["name"], role="member")
    page = "/organization/members/cnaf"
    as_user(client, sysadmin)

    status, html = get(client, page, "fr")
    assert status == 200 and "56 membres" in html  # with the sysadmin who created it
    rows = re.findall(r'<tr data-user="([^"]+)"', html)
    assert len(rows) == 50 and rows[:2] == ["admin", "agent01"] and rows[-1] == "agent49"  # by user name
    assert 'href="/organization/members/cnaf?page=2"' in html
    rows = re.findall(r'<tr data-user="([^"]+)"', get(client, page + "?page=2")[1])
    assert rows == ["agent50", "agent51", "agent52", "agent53", "agent54", "agent55"]
    assert get(client, page + "?page=3")[0] == 404

    status, html = get(client, page + "?q=dupont", "fr")
    rows = re.findall(r'<tr data-user="([^"]+)"', html)
    assert rows == ["agent10", "agent20", "agent30", "agent40", "agent50"]
    assert "5 membres correspondent à « dupont »." in html
    assert re.findall(r'<tr data-user="([^"]+)"', get(client, page + "?q=AGENT07")[1]) == ["agent07"]
    html = get(client, page + "?q=personne", "en")[1]
    assert "No member matches this search." in html and "<tr data-user" not in html
    # The search does not look at e-mail addresses: it is no way to test one either.
    assert "<tr data-user" not in get(client, page + "?q=example.org")[1]

    # A change from a search keeps the search.
    response = post(client, page + "/role", form_page=page, username="agent20", role="editor", q="dupont")
    assert response.headers["Location"].endswith("/organization/members/cnaf?q=dupont")


def test_a_group_administrator_adds_by_name_only(client: Any, call: Caller, sysadmin: Actor,
                                                 users_create_groups: None) -> None:
    """Anyone may administer a group of their own (user_create_groups): its members form must not tell them whether
    an address has an account, nor whose it is."""
    make_user(call, "rene")  # rene@example.org
    mallory = make_user(call, "mallory")
    call("group_create", mallory, name="sonde")
    as_user(client, mallory)
    page = "/group/members/sonde"
    known = post(client, page, "fr", form_page=page, username="rene@example.org", role="member")
    unknown = post(client, page, "fr", form_page=page, username="nobody@example.org", role="member")
    assert known.status_code == unknown.status_code == 400
    assert "l’ajout par adresse électronique est réservé" in known.get_data(as_text=True)
    assert without_tokens(known.get_data(as_text=True)).replace("rene@", "nobody@") == \
        without_tokens(unknown.get_data(as_text=True))
    assert "rene" not in {m["name"] for m in call("group_show", sysadmin, id="sonde", include_users=True)["users"]}
    assert post(client, page, form_page=page, username="rene", role="member").status_code == 302
    # A sysadmin may add by e-mail on a group's page.
    as_user(client, sysadmin)
    make_user(call, "zoe")
    added = post(client, page, form_page=page, username="zoe@example.org", role="member")
    assert added.status_code == 302
    assert "The user with this e-mail is now a member (Member)." in get(client, added.headers["Location"])[1]


def test_a_user_name_is_found_whatever_its_case_and_a_nul_is_nobody(client: Any, call: Caller, sysadmin: Actor,
                                                                    org: dict[str, Any]) -> None:
    make_user(call, "edith")
    as_user(client, sysadmin)
    page = "/organization/members/cnaf"
    nul = post(client, page, form_page=page, username="ed\x00ith", role="member")
    assert nul.status_code == 400 and NO_USER_EN in nul.get_data(as_text=True)
    added = post(client, page, form_page=page, username="Edith", role="editor")
    assert added.status_code == 302 and "edith is now a member (Editor)." in get(client, added.headers["Location"])[1]


def test_only_members_are_removed_or_changed(client: Any, call: Caller, sysadmin: Actor, org: dict[str, Any]) -> None:
    make_user(call, "zoe")
    as_user(client, sysadmin)
    page = "/organization/members/cnaf"
    for action in ("remove", "role"):
        response = post(client, f"{page}/{action}", form_page=page, username="zoe", role="editor")
        assert response.status_code == 302
        shown = get(client, response.headers["Location"])[1]
        assert "zoe is not a member." in shown and "removed" not in shown and "changed" not in shown
    assert "zoe" not in {m["name"] for m in call("organization_show", sysadmin, id="cnaf", include_users=True)["users"]}
