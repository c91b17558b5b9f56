"""Every page renders, in French and English, through the actions (privacy included)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import log_in


@pytest.fixture
def catalog(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    call("group_create", sysadmin, name="logement", title="Logement")
    public = call("package_create", sysadmin, name="aides-logement", title="Aides au logement", owner_org=org["id"],
                  notes="Nombre de foyers allocataires.", license_id="odc-odbl",
                  tags=[{"name": "logement"}], groups=[{"name": "logement"}],
                  extras=[{"key": "temporal_start", "value": "2015-01-01"},
                          {"key": "temporal_end", "value": "2023-12-31"},
                          {"key": "spatial_text", "value": "Gironde"},
                          {"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"}],
                  resources=[{"name": "Données 2023", "url": "https://example.org/data.csv", "format": "CSV"}])
    private = call("package_create", sysadmin, name="secret-stats", title="Statistiques secrètes",
                   owner_org=org["id"], private=True, tags=[{"name": "logement"}],
                   resources=[{"name": "Fichier secret", "url": "https://example.org/secret.csv", "format": "CSV"}])
    return {"public": public, "private": private, "org": org}


PAGES = ["/", "/dataset", "/dataset/aides-logement", "/organization", "/organization/cnaf", "/group",
         "/group/logement", "/user/login"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_english_and_french(page: Any, catalog: dict[str, Any], path: str) -> None:
    status_en, english = page(path, "en")
    status_fr, french = page(path, "fr-FR,fr;q=0.9")
    assert (status_en, status_fr) == (200, 200)
    assert '<html lang="en">' in english and '<html lang="fr">' in french
    assert "Datasets" in english and "Organizations" in english
    assert "Jeux de données" in french and "Organisations" in french
    assert "Datasets" not in french


def test_language_switch_is_remembered_in_the_session(client: Any, catalog: dict[str, Any]) -> None:
    english = client.get("/dataset", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "?lang=fr" in english
    switched = client.get("/dataset?lang=fr", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in switched
    later = client.get("/organization", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="fr">' in later


def test_dataset_page_shows_metadata_coverage_resources_and_jsonld(page: Any, client: Any,
                                                                   catalog: dict[str, Any]) -> None:
    status, html = page("/dataset/aides-logement")
    assert status == 200
    assert "Aides au logement" in html and "Nombre de foyers allocataires." in html
    assert "2015-01-01" in html and "2023-12-31" in html and "Gironde" in html
    assert "Données 2023" in html and "https://example.org/data.csv" in html
    assert "Caisse nationale des allocations familiales" in html
    assert '<script type="application/ld+json">' in html and '"@type": "Dataset"' in html
    assert '"temporalCoverage": "2015-01-01/2023-12-31"' in html
    assert "<td>Annual</td>" in html and "Jan 1, 2015" in html  # labels.py names; the date filter
    assert "<h2>Activity</h2>" in html and "dataset created" in html
    assert 'href="/dataset/aides-logement.ttl"' in html
    assert client.get("/dataset/aides-logement.ttl").status_code == 200  # the DCAT link is live
    # Behind a proxy that mounts the portal under a prefix, the links keep it.
    mounted = client.get("/dataset/aides-logement", environ_overrides={"SCRIPT_NAME": "/portail"}).get_data(True)
    assert 'href="/portail/dataset/aides-logement.rdf"' in mounted
    assert 'href="/portail/api/3/action/package_show?id=aides-logement"' in mounted
    _, french = page("/dataset/aides-logement", "fr")
    assert "du 1 janv. 2015 au 31 déc. 2023" in french and "<td>Annuelle</td>" in french


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_search_filters_by_facet_and_sorts(page: Any, call: Any, sysadmin: Any, catalog: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="petite-enfance", title="Accueil du jeune enfant",
         owner_org=catalog["org"]["id"], tags=[{"name": "enfance"}])
    _, everything = page("/dataset")
    assert "Aides au logement" in everything and "Accueil du jeune enfant" in everything
    assert "2 datasets found" in everything
    _, french = page("/dataset", "fr")
    assert "2 jeux de données trouvés" in french  # French has three CLDR plural forms; 2 takes the last
    _, filtered = page("/dataset?tags=enfance")
    assert "Accueil du jeune enfant" in filtered and "Aides au logement" not in filtered
    assert "1 dataset found" in filtered
    _, by_name = page("/dataset?sort=title_string+asc")
    assert by_name.index("Accueil du jeune enfant") < by_name.index("Aides au logement")
    _, reverse = page("/dataset?sort=title_string+desc")
    assert reverse.index("Aides au logement") < reverse.index("Accueil du jeune enfant")


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_search_pages_through_results(page: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    for number in range(25):
        call("package_create", sysadmin, name=f"jeu-{number:02d}", title=f"Jeu {number:02d}", owner_org=org["id"])
    _, first = page("/dataset?sort=title_string+asc")
    _, second = page("/dataset?sort=title_string+asc&page=2")
    assert "Jeu 00" in first and "Jeu 19" in first and "Jeu 20" not in first
    assert "Jeu 20" in second and "Jeu 24" in second and "Jeu 00" not in second
    assert 'rel="next"' in first and 'rel="prev"' in second


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_malformed_query_is_a_message_not_an_error(page: Any, catalog: dict[str, Any]) -> None:
    status, html = page('/dataset?q=title:"unclosed')
    assert status == 200


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_private_dataset_is_never_shown_to_anonymous_visitors(page: Any, catalog: dict[str, Any]) -> None:
    for path in ["/", "/dataset", "/dataset?tags=logement", "/dataset?q=secr%C3%A8tes", "/organization/cnaf",
                 "/organization", "/group/logement"]:
        status, html = page(path)
        assert status == 200, path
        assert "Statistiques secrètes" not in html and "secret-stats" not in html, path
    private_id = catalog["private"]["id"]
    resource_id = catalog["private"]["resources"][0]["id"]
    for path in ["/dataset/secret-stats", f"/dataset/{private_id}", f"/dataset/{private_id}/resource/{resource_id}"]:
        status, html = page(path)
        assert status in (403, 404), path
        assert "Statistiques secrètes" not in html and "Fichier secret" not in html and "Traceback" not in html


def test_private_dataset_is_shown_to_the_organization_member(client: Any, page: Any, call: Any, sysadmin: Any,
                                                             catalog: dict[str, Any]) -> None:
    from tests.conftest import make_user

    editor = make_user(call, "editrice")
    call("organization_member_create", sysadmin, id=catalog["org"]["id"], username="editrice", role="editor")
    log_in(client, editor)
    _, listing = page("/dataset")
    assert "Statistiques secrètes" in listing
    status, html = page("/dataset/secret-stats")
    assert status == 200 and "Statistiques secrètes" in html


def test_missing_pages_are_html_404s(page: Any, catalog: dict[str, Any]) -> None:
    for path in ["/dataset/nope", "/organization/nope", "/group/nope", "/no/such/page",
                 f"/dataset/aides-logement/resource/{'0' * 8}"]:
        status, html = page(path)
        assert status == 404, path
        assert "<html" in html and "Page not found" in html and "Traceback" not in html


def test_resource_page_shows_download_and_preview_state(page: Any, catalog: dict[str, Any]) -> None:
    resource = catalog["public"]["resources"][0]
    status, html = page(f"/dataset/aides-logement/resource/{resource['id']}")
    assert status == 200
    assert "https://example.org/data.csv" in html and "Download" in html
    assert "No preview for this resource" in html or "Preview not available yet" in html


def test_api_errors_stay_json(client: Any, catalog: dict[str, Any]) -> None:
    response = client.get("/api/3/action/package_show?id=nope")
    assert response.status_code == 404
    assert response.get_json()["success"] is False


def test_an_unexpected_error_is_an_html_500_without_traceback(app: Any, client: Any) -> None:
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    response = client.get("/boom", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "secret internals" not in html and "Traceback" not in html


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "strict-origin-when-cross-origin"}


def log_in_through_the_form(client: Any) -> None:
    """The real login form (whatever the session carries), as the `sysadmin` fixture's user."""
    from tests.web.conftest import csrf_token

    form = client.get("/user/login").get_data(as_text=True)
    response = client.post("/user/login", data={"csrf_token": csrf_token(form), "username": "admin",
                                                "password": "correct-horse"})
    assert response.status_code == 302, response.get_data(as_text=True)


def assert_security_headers(response: Any, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "'unsafe-inline'" not in policy.split("style-src", 1)[0] and "'unsafe-eval'" not in policy, where


@pytest.mark.parametrize("path", [*PAGES, "/dataset/new", "/no/such/page", "/assets/moisson.css",
                                  "/assets/search_sort.js"])
def test_pages_send_the_security_headers(client: Any, sysadmin: Any, catalog: dict[str, Any], path: str) -> None:
    log_in_through_the_form(client)
    response = client.get(path)
    assert response.status_code == (404 if path == "/no/such/page" else 200), path
    assert_security_headers(response, path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "base-uri 'self'" in policy


def test_api_and_dcat_responses_send_the_security_headers(client: Any, sysadmin_token: str,
                                                          catalog: dict[str, Any]) -> None:
    responses = {
        "package_list": client.get("/api/3/action/package_list"),
        "404 envelope": client.get("/api/3/action/package_show?id=nope"),
        "409 envelope": client.post("/api/3/action/package_create", json={"name": "x"},
                                    headers={"Authorization": sysadmin_token}),
        "unknown action": client.get("/api/3/action/no_such_action"),
        "openapi": client.get("/api/3/openapi.json"),
        "dcat": client.get("/dataset/aides-logement.ttl"),
        "remote resource redirect": client.get(f"/dataset/aides-logement/resource/"
                                               f"{catalog['public']['resources'][0]['id']}/download"),
    }
    assert responses["409 envelope"].status_code == 409
    for where, response in responses.items():
        assert_security_headers(response, where)


def test_pages_carry_no_inline_script_or_event_handler(client: Any, sysadmin: Any, catalog: dict[str, Any]) -> None:
    import re

    log_in_through_the_form(client)
    for path in [*PAGES, "/dataset/new", f"/dataset/aides-logement/resource/{catalog['public']['resources'][0]['id']}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert not re.search(r"\sstyle\s*=", html), path


@pytest.mark.parametrize("callback", ["alert(document.domain)//", "x;alert(1)", "cb</script>", "a..b", "1cb"])
def test_jsonp_callback_that_is_not_a_function_name_is_refused(client: Any, callback: str) -> None:
    """Otherwise <script src="/api/3/action/...?callback=..."> runs any text under the pages' script-src 'self'."""
    response = client.get("/api/3/action/package_list", query_string={"callback": callback})
    assert response.status_code == 400
    assert response.get_json() == ("Bad request - callback must be a JavaScript function name "
                                   "(letters, digits, _, $ and dots)")
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("callback", ["cb", "jQuery3310_1528", "window.$app.onData", "_x9"])
def test_jsonp_callback_function_names_still_work(client: Any, callback: str) -> None:
    response = client.get("/api/3/action/package_list", query_string={"callback": callback})
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith(callback + "(")


def test_a_description_cannot_close_the_jsonld_script(client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    """The dataset page's JSON-LD is written inside <script>: text that closes it must stay data (Jinja's tojson
    escapes <, > and &), or a dataset description could run script on the portal."""
    import json
    import re

    call("package_create", sysadmin, name="piege", owner_org=org["id"], notes="</script><script>alert(1)</script>")
    html = client.get("/dataset/piege").get_data(as_text=True)
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert json.loads(block)["description"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html



def test_the_jsonld_catalog_is_the_site_title_set_by_a_sysadmin(client: Any, call: Any, sysadmin: Any,
                                                                 org: dict[str, Any]) -> None:
    """The title a sysadmin sets at /ckan-admin/config (config_option_update) names the catalog in the dataset
    page's JSON-LD, not the deployment's MOISSON_SITE_TITLE."""
    import json
    import re

    call("config_option_update", sysadmin, **{"ckan.site_title": "Données ouvertes de Gironde"})
    call("package_create", sysadmin, name="titre-du-site", owner_org=org["id"])
    html = client.get("/dataset/titre-du-site").get_data(as_text=True)
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert json.loads(block)["includedInDataCatalog"]["name"] == "Données ouvertes de Gironde"
