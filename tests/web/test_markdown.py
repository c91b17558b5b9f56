"""Descriptions in Markdown: rendered on the pages as CKAN renders them, sanitised, and shown as plain-text
excerpts in result lists (catalog/web/markdown.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from catalog.web.markdown import EXCERPT_CHARS, excerpt, render

HOSTILE = (
    "## Méthode\n\nNombre de **foyers** allocataires, *par commune*.\n\n"
    "- premier point\n- second point\n\n"
    "<script>window.pwned = 1</script>\n\n"
    "[piège](javascript:alert(1)) [Caf](https://www.caf.fr/) "
    '<a href="javascript:alert(2)" onclick="alert(3)">brut</a> <img src=x onerror="alert(4)">\n\n'
    "![carte](https://tiles.example.org/carte.png)"
)


def test_markdown_is_formatted_and_nothing_can_run() -> None:
    html = render(HOSTILE)
    assert "<h2>Méthode</h2>" in html and "<strong>foyers</strong>" in html and "<em>par commune</em>" in html
    assert "<li>premier point</li>" in html
    assert '<a href="https://www.caf.fr/" rel="nofollow ugc noopener">Caf</a>' in html
    lowered = html.lower()
    for forbidden in ("<script", "pwned", "javascript:alert(2)", "onclick", "onerror", "<img"):
        assert forbidden not in lowered, forbidden
    # The refused link stays as harmless text; no href carries a script scheme.
    assert all(not href.lower().startswith("javascript") for href in re.findall(r'href="([^"]*)"', html))
    # With images off (the default), an image is its alternative text.
    assert "carte" in html


def test_bare_addresses_become_links_as_ckan_auto_link_makes_them() -> None:
    html = render("Source : https://data.caf.fr/dataset/rsa ; contact opendata@cnaf.fr. Fichier RSACom2014.csv")
    link = "https://data.caf.fr/dataset/rsa"
    assert f'<a href="{link}" rel="nofollow ugc noopener">{link}</a>' in html
    assert 'href="mailto:opendata@cnaf.fr"' in html
    assert "RSACom2014.csv</p>" in html  # a file name is not an address


def test_link_schemes_other_than_web_and_mail_are_dropped() -> None:
    html = render('<a href="data:text/html,x">a</a> <a href="vbscript:x">b</a> <a href="mailto:a@b.fr">c</a>')
    assert "data:" not in html and "vbscript:" not in html
    assert 'href="mailto:a@b.fr"' in html


def test_images_only_when_the_setting_allows_them() -> None:
    text = '![carte](https://tiles.example.org/carte.png "Carte")'
    assert "<img" not in render(text)
    shown = render(text, images=True)
    assert '<img src="https://tiles.example.org/carte.png" alt="carte" title="Carte">' in shown
    assert "onerror" not in render('<img src="x" onerror="alert(1)">', images=True)


def test_excerpt_is_plain_text_cut_at_a_word() -> None:
    text = "**Foyers** allocataires percevant le [RSA](https://www.caf.fr/) " + "par commune de résidence " * 20
    cut = excerpt(text)
    assert cut.startswith("Foyers allocataires percevant le RSA par commune")
    assert "*" not in cut and "](" not in cut and "<" not in cut
    assert cut.endswith("…") and len(cut) <= EXCERPT_CHARS + 1
    assert text.split()[0].strip("*") in cut
    words = set(text.replace("**", "").replace("[RSA](https://www.caf.fr/)", "RSA").split())
    assert all(word in words for word in cut.rstrip("…").split())
    assert excerpt("Court.") == "Court."
    assert excerpt("<script>alert(1)</script>Texte") == "Texte"
    assert excerpt(None) == "" and render("   ") == ""


@pytest.fixture
def hostile(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    call("group_create", sysadmin, name="solidarite", title="Solidarité", description=HOSTILE)
    call("organization_patch", sysadmin, id=org["id"], description=HOSTILE)
    return call("package_create", sysadmin, name="rsa-commune", title="RSA par commune", owner_org=org["id"],
                notes=HOSTILE, groups=[{"name": "solidarite"}],
                resources=[{"name": "RSA 2023", "url": "https://example.org/rsa.csv", "format": "CSV",
                            "description": HOSTILE}])


def _harmless(html: str) -> None:
    # The JSON-LD block carries the raw text, JSON-escaped (\u003c): data, not markup.
    markup = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    assert "pwned" not in markup and "onerror" not in markup and "onclick" not in markup
    assert 'href="javascript' not in markup.lower()


@pytest.mark.parametrize(("text", "expected"), [
    ("Bonjour<br>Monde", "Bonjour Monde"),
    ("Ligne un<br/>ligne deux", "Ligne un ligne deux"),
    ("<div>Un</div><div>Deux</div>", "Un Deux"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ("<p>Fin</p>suite", "Fin suite"),
    ("Bon<span>jour</span> <b>à</b> tous", "Bonjour à tous"),  # inline tags glue nothing apart
])
def test_excerpt_keeps_words_written_as_html_apart(text: str, expected: str) -> None:
    assert excerpt(text) == expected


def test_pages_render_descriptions_as_markdown(page: Any, hostile: dict[str, Any], org: dict[str, Any]) -> None:
    resource_id = hostile["resources"][0]["id"]
    for path in ("/dataset/rsa-commune", f"/dataset/rsa-commune/resource/{resource_id}", "/group/solidarite",
                 f"/organization/{org['name']}"):
        for lang in ("en", "fr"):
            status, html = page(path, lang)
            assert status == 200, path
            assert "<h2>Méthode</h2>" in html and "<strong>foyers</strong>" in html, path
            _harmless(html)


def test_result_lists_show_plain_excerpts(page: Any, hostile: dict[str, Any]) -> None:
    for path in ("/dataset", "/group", "/organization", "/"):
        status, html = page(path, "fr")
        assert status == 200, path
        assert "## Méthode" not in html and "<h2>Méthode</h2>" not in html, path
        _harmless(html)
    assert "Méthode Nombre de foyers allocataires, par commune." in page("/dataset", "fr")[1]
    assert "Méthode Nombre de foyers allocataires, par commune." in page("/group", "fr")[1]


def test_the_images_setting_reaches_the_pages(page: Any, hostile: dict[str, Any], services: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert 'src="https://tiles.example.org/carte.png"' not in page("/dataset/rsa-commune")[1]
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, markdown_images=True))
    assert 'src="https://tiles.example.org/carte.png"' in page("/dataset/rsa-commune")[1]
