"""The review pages (issue 16) through the test client, on both databases: the dataset page's badge and submit
button, the reviewers' queue ("À relire"), the review page (diff, CSV preview, decisions), the pending file's
download and the organization form's review_required box (the members page, with the reviewer capacity:
test_members_pages.py)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from catalog.web.csv_head import HEAD_BYTES, read_head
from tests.conftest import Caller, make_user
from tests.web.conftest import as_user, csrf_token, get, post

# A French export as the agency's staff save it from a spreadsheet: Windows-1252, semicolons, accented headers.
CSV_2024 = "Commune;Année;Allocataires;Part (%)\n" + "".join(
    f"Commune {n:03d};2024;{n * 10};{n % 10},5\n" for n in range(1, 41))


@dataclass
class People:
    org: dict[str, Any]
    author: Actor
    other_editor: Actor
    reviewer: Actor
    tokens: dict[str, str]


@pytest.fixture
def people(call: Caller, sysadmin: Actor, org: dict[str, Any]) -> People:
    call("organization_patch", sysadmin, id=org["id"], review_required=True)
    actors = {"author": make_user(call, "edith"), "other_editor": make_user(call, "oscar"),
              "reviewer": make_user(call, "rene")}
    for role, actor in actors.items():
        call("organization_member_create", sysadmin, id=org["id"], username=actor.name,
             role="reviewer" if role == "reviewer" else "editor")
    tokens = {role: call("api_token_create", actor, user=actor.name, name="pages")["token"]
              for role, actor in actors.items()}
    return People(org=org, tokens=tokens, **actors)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def draft(call: Caller, people: People, name: str = "naissances") -> dict[str, Any]:
    pkg = call("package_create", people.author, name=name, title="Naissances 2024", owner_org=people.org["id"])
    assert pkg["state"] == "draft"
    return pkg


def test_author_submits_a_draft_from_the_dataset_page(client: Any, call: Caller, people: People) -> None:
    pkg = draft(call, people)
    as_user(client, people.author)
    status, html = get(client, "/dataset/naissances", "fr")
    assert status == 200
    assert "Brouillon" in html and "Soumettre pour relecture" in html
    assert 'href="/dataset/naissances/review"' in html
    status, html = get(client, "/dataset/naissances", "en")
    assert "Draft" in html and "Submit for review" in html

    # Another editor of the organization may see the draft but has no review: no badge, no button.
    as_user(client, people.other_editor)
    status, html = get(client, "/dataset/naissances")
    assert "Submit for review" not in html
    assert get(client, "/dataset/naissances/review")[0] == 403
    response = post(client, "/dataset/naissances/review/submit", comment="moi aussi")
    assert response.status_code == 403
    as_user(client, None)
    assert get(client, "/dataset/naissances")[0] in (403, 404)
    assert get(client, "/dataset/naissances/review")[0] in (403, 404)

    # A new dataset's file is previewed from the draft itself (no round keeps it apart).
    added = client.post("/api/3/action/resource_create", headers={"Authorization": people.tokens["author"]},
                        content_type="multipart/form-data",
                        data={"package_id": pkg["id"], "name": "Naissances", "format": "CSV",
                              "upload": (io.BytesIO(CSV_2024.encode()), "naissances.csv")}).get_json()
    assert added["success"], added
    as_user(client, people.author)
    html = get(client, "/dataset/naissances/review", "fr")[1]
    assert "<td>Commune 020</td>" in html and "Commune 021" not in html
    link = f"/dataset/naissances/review/resource/{added['result']['id']}/download"
    assert client.get(link).data == CSV_2024.encode()
    response = post(client, "/dataset/naissances/review/submit", "fr", form_page="/dataset/naissances",
                    comment="Première version")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dataset/naissances")
    shown = call("review_show", people.author, id=pkg["id"])
    assert shown["status"] == "pending" and shown["history"][-1]["comment"] == "Première version"
    status, html = get(client, "/dataset/naissances", "fr")
    assert "En attente de relecture" in html and "Soumettre pour relecture" not in html
    # Submitting again is a 409 of the action: a message on the page, not an error page.
    again = post(client, "/dataset/naissances/review/submit", "fr", form_page="/dataset/naissances")
    assert again.status_code == 302
    assert "Cette action n'a pas pu être effectuée" in unescape(get(client, again.headers["Location"], "fr")[1])


def test_reviewer_queue_review_page_reject_then_approve(client: Any, call: Caller, people: People) -> None:
    pkg = draft(call, people)
    call("review_submit", people.author, id=pkg["id"], comment="À publier")
    as_user(client, people.reviewer)
    status, html = get(client, "/review", "fr")
    assert status == 200 and "À relire" in html and "Naissances 2024" in html
    # The queue's count per organization, and the menu's pending count.
    assert re.search(r'cnaf <span class="badge count">1</span>', html)
    assert re.search(r'class="review-link">À relire <span class="badge count"[^>]*>1</span>', html)
    assert '<option value="cnaf">Caisse nationale des allocations familiales</option>' in html
    status, html = get(client, "/review?status=changes_requested", "en")
    assert "Naissances 2024" not in html and "Nothing to review here." in html
    status, html = get(client, "/review?organization=cnaf&status=pending", "en")
    assert "Naissances 2024" in html and '<option value="cnaf" selected>' in html

    status, html = get(client, "/dataset/naissances/review", "fr")
    assert status == 200
    assert "Approuver et publier" in html and "Demander des modifications" in html
    assert "<ins>Naissances 2024</ins>" in html  # a new dataset: every field is added
    assert "À publier" in html  # the history's comment
    status, html = get(client, "/dataset/naissances/review", "en")
    assert "Approve and publish" in html

    # Request changes without a comment: refused, with the message in the page's language.
    for lang, message in (("fr", "un commentaire est obligatoire"), ("en", "a comment is required")):
        response = post(client, "/dataset/naissances/review/reject", lang, form_page="/dataset/naissances/review",
                        comment="  ")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert call("review_show", people.reviewer, id=pkg["id"])["status"] == "pending"

    # The author sees neither decision button, but may withdraw.
    as_user(client, people.author)
    html = get(client, "/dataset/naissances/review")[1]
    assert "Approve and publish" not in html and "Withdraw from review" in html
    assert post(client, "/dataset/naissances/review/approve", form_page="/dataset/naissances").status_code == 403

    as_user(client, people.reviewer)
    response = post(client, "/dataset/naissances/review/reject", "fr", form_page="/dataset/naissances/review",
                    comment="Ajoutez la licence")
    assert response.status_code == 302
    assert call("review_show", people.author, id=pkg["id"])["status"] == "changes_requested"

    as_user(client, people.author)
    status, html = get(client, "/dataset/naissances", "fr")
    assert "Modifications demandées" in html and "Soumettre pour relecture" in html
    assert "Ajoutez la licence" in get(client, "/dataset/naissances/review", "fr")[1]
    post(client, "/dataset/naissances/review/submit", form_page="/dataset/naissances", comment="Licence ajoutée")

    as_user(client, people.reviewer)
    response = post(client, "/dataset/naissances/review/approve", "fr", form_page="/dataset/naissances/review",
                    comment="Parfait")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dataset/naissances")
    assert call("package_show", ANONYMOUS, id=pkg["id"])["state"] == "active"
    as_user(client, None)
    status, html = get(client, "/dataset/naissances", "fr")
    assert status == 200 and "Naissances 2024" in html and "review-box" not in html


def test_edit_of_a_published_dataset_diff_preview_and_download(client: Any, call: Caller, people: People,
                                                                  sysadmin: Actor) -> None:
    pkg = call("package_create", people.reviewer, name="allocataires", title="Allocataires 2023",
               owner_org=people.org["id"], extras=[{"key": "frequency", "value": "ANNUAL"}])
    api = {"Authorization": people.tokens["reviewer"]}
    resource = client.post("/api/3/action/resource_create", headers=api, content_type="multipart/form-data",
                           data={"package_id": pkg["id"], "name": "Communes", "format": "CSV",
                                 "upload": (io.BytesIO(b"Commune;Annee\nA;2023\n"), "communes.csv")}
                           ).get_json()["result"]
    author = {"Authorization": people.tokens["author"]}
    held = client.post("/api/3/action/resource_update", headers=author, content_type="multipart/form-data",
                       data={"id": resource["id"], "name": "Communes", "format": "CSV",
                             "upload": (io.BytesIO(CSV_2024.encode("cp1252")), "communes-2024.csv")}).get_json()
    assert held["success"], held
    call("package_patch", people.author, id=pkg["id"], title="Allocataires 2024",
         extras=[{"key": "frequency", "value": "MONTHLY"}], tags=[{"name": "logement"}])
    call("review_submit", people.author, id=pkg["id"])

    as_user(client, people.reviewer)
    status, html = get(client, "/dataset/allocataires/review", "fr")
    assert status == 200
    assert "<del>Allocataires 2023</del>" in html and "<ins>Allocataires 2024</ins>" in html
    assert "<del>ANNUAL</del>" in html and "<ins>MONTHLY</ins>" in html
    assert "<ins>+ logement</ins>" in html
    # The preview: the pending file read as Windows-1252 with semicolons, header and the first 20 rows only.
    preview = re.search(r'<table class="preview-table">(.*?)</table>', html, re.S).group(1)
    assert "<th scope=\"col\">Année</th>" in preview and "<th scope=\"col\">Part (%)</th>" in preview
    assert "<td>Commune 020</td>" in preview and "Commune 021" not in preview
    assert "<td>3,5</td>" in preview
    link = f"/dataset/allocataires/review/resource/{resource['id']}/download"
    assert link in html
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == CSV_2024.encode("cp1252")
    # The public still gets the published file and title; others may not fetch the pending file.
    as_user(client, None)
    assert client.get(f"/dataset/allocataires/resource/{resource['id']}/download").data == b"Commune;Annee\nA;2023\n"
    assert "Allocataires 2023" in get(client, "/dataset/allocataires")[1]
    assert client.get(link).status_code in (403, 404)
    as_user(client, people.other_editor)
    assert client.get(link).status_code == 403
    assert "review-box" not in get(client, "/dataset/allocataires")[1]

    # The author takes the changes back out of the queue, then drops them: the published version stays.
    as_user(client, people.author)
    html = get(client, "/dataset/allocataires/review")[1]
    assert "Withdraw from review" in html and "Approve and publish" not in html
    response = post(client, "/dataset/allocataires/review/withdraw", form_page="/dataset/allocataires/review")
    assert response.status_code == 302
    assert call("review_show", people.author, id=pkg["id"])["status"] == "draft"
    assert "Submit for review" in get(client, "/dataset/allocataires")[1]
    post(client, "/dataset/allocataires/review/withdraw", form_page="/dataset/allocataires/review", discard="y")
    assert call("review_show", people.author, id=pkg["id"])["status"] == "withdrawn"
    html = get(client, "/dataset/allocataires")[1]
    assert "review-box" not in html and "Allocataires 2023" in html
    assert client.get(link).status_code == 404  # the round's file is gone with it


def test_organization_form_sets_review_required(client: Any, call: Caller, sysadmin: Actor,
                                                org: dict[str, Any]) -> None:
    as_user(client, sysadmin)
    status, html = get(client, "/organization/edit/cnaf", "fr")
    assert "Relecture obligatoire avant publication" in html
    response = client.post("/organization/edit/cnaf", data={
        "csrf_token": csrf_token(html), "title": org["title"], "name": "cnaf", "review_required": "y"})
    assert response.status_code == 302
    assert call("organization_show", sysadmin, id="cnaf")["review_required"] is True
    html = get(client, "/organization/edit/cnaf")[1]
    assert re.search(r'<input checked id="review_required"|id="review_required"[^>]*checked', html)
    response = client.post("/organization/edit/cnaf", data={"csrf_token": csrf_token(html), "title": org["title"],
                                                             "name": "cnaf"})
    assert call("organization_show", sysadmin, id="cnaf")["review_required"] is False


def test_csv_head_reads_only_the_start_of_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = "Commune {n:06d};2024;{n};{d},5\n"
    with path.open("w", encoding="cp1252", newline="") as handle:
        handle.write("Commune;Année;Allocataires;Part (%)\n")
        n = 0
        while handle.tell() < HEAD_BYTES * 4:
            n += 1
            handle.write(row.format(n=n, d=n % 10))
    with path.open("ab") as handle:
        handle.write(b"fin;\x81\x8d;\n")  # bytes past the head that cp1252 cannot decode: never read
    head = read_head(path)
    assert head is not None
    assert head.header == ["Commune", "Année", "Allocataires", "Part (%)"]
    assert head.delimiter == ";" and head.encoding == "cp1252" and head.more
    assert len(head.rows) == 20 and head.rows[0] == ["Commune 000001", "2024", "1", "1,5"]
    (tmp_path / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert read_head(tmp_path / "binary.csv") is None


def test_edit_form_shows_the_pending_version_and_saves_for_review(client: Any, call: Caller, people: People) -> None:
    """The form of an author whose changes are held starts from the pending version: the published one would send
    its old values back and undo the round's earlier changes."""
    call("package_create", people.reviewer, name="effectifs", title="Titre publié", owner_org=people.org["id"])
    call("package_patch", people.author, id="effectifs", title="Titre proposé")
    as_user(client, people.author)
    status, html = get(client, "/dataset/edit/effectifs", "fr")
    assert status == 200 and 'value="Titre proposé"' in html and "Titre publié" not in html
    form = {"csrf_token": csrf_token(html), "title": "Titre proposé", "name": "effectifs", "notes": "Ajouté ensuite",
            "owner_org": people.org["id"], "license_id": "fr-lo"}
    response = client.post("/dataset/edit/effectifs", data=form, headers={"Accept-Language": "fr"})
    assert response.status_code == 302 and "/review" in response.headers["Location"]
    shown = call("review_show", people.reviewer, id="effectifs")
    assert shown["pending"]["title"] == "Titre proposé" and shown["pending"]["notes"] == "Ajouté ensuite"
    assert call("package_show", people.reviewer, id="effectifs")["title"] == "Titre publié"
    status, html = get(client, "/dataset/effectifs", "fr")
    assert "relecture" in text_of(html).lower()
