"""The editorial review part of the demo (issue 16): one organization that requires review, a reviewer and an
editor, and two rounds waiting in the queue so the flow can be tried at once.

Everything goes through the real actions, the rounds as the demo editor, so they are what an editor's writes
give. Idempotent: accounts, datasets and rounds that exist are kept (passwords are shown only when the account
is created), and the edit is made only on a dataset that has never had a review round.
"""

from __future__ import annotations

import csv
import io
import secrets
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage

from catalog.context import Actor
from catalog.demo import make_files
from catalog.demo.loader import FILES_DIR, demo_catalog, exists, package_dict
from catalog.errors import NotFound
from catalog.registry import call_action

if TYPE_CHECKING:
    from catalog.services import Services

REVIEW_ORG = "caf-gironde"
# The published dataset the demo editor changes (and its file the change replaces).
EDITED_DATASET = "population-couverte-par-une-aide-au-logement-gironde"
EDITED_FILE = "LOGPersGironde.csv"
NEW_DATASET = "foyers-allocataires-rsa-gironde"
# name, capacity in REVIEW_ORG, full name
ACCOUNTS = (
    ("demo-relecteur", "reviewer", "Relecteur de démonstration (Caf de la Gironde)"),
    ("demo-editeur", "editor", "Éditeur de démonstration (Caf de la Gironde)"),
)
NOTE = ("*Jeu de démonstration de Moisson : la structure des fichiers (colonnes, encodage, lignes spéciales) "
        "reproduit celle des fichiers publiés par la Cnaf, mais les valeurs sont fictives.*")


@dataclass(frozen=True)
class DemoAccount:
    name: str
    capacity: str
    # Set only by the call that created the account: it is shown once and stored nowhere in clear.
    password: str | None


@dataclass(frozen=True)
class ReviewDemo:
    organization: str
    accounts: list[DemoAccount]
    new_dataset: str
    edited_dataset: str
    # What this call added (False on a second run).
    new_dataset_submitted: bool
    edit_submitted: bool


def load_review_demo(services: Services, actor: Actor) -> ReviewDemo:
    """Turn review on for REVIEW_ORG, make sure the demo reviewer and editor belong to it, and leave a new dataset
    and an edit of a published one submitted for review. `actor` is a sysadmin (the CLI's site user)."""
    _ensure_reviewed_organization(services, actor)
    accounts = [_ensure_account(services, actor, name, capacity, fullname) for name, capacity, fullname in ACCOUNTS]
    editor = _actor(services, actor, "demo-editeur")
    new_submitted = False
    if not exists(services, "package_show", NEW_DATASET, actor):
        created = call_action(services, "package_create", new_dataset_payload(), actor=editor)
        call_action(services, "review_submit", {"id": created["id"], "comment": (
            "Nouveau jeu de données : foyers bénéficiaires du RSA par commune de la Gironde, au 31/12/2022.")},
            actor=editor)
        new_submitted = True
    edit_submitted = False
    if "review" not in _published_dataset(services, actor):
        _edit_published_dataset(services, editor)
        edit_submitted = True
    return ReviewDemo(REVIEW_ORG, accounts, NEW_DATASET, EDITED_DATASET, new_submitted, edit_submitted)


def review_demo_lines(demo: ReviewDemo) -> list[str]:
    """What `moisson demo load` prints: the accounts (a password only when this run created the account) and the
    two rounds waiting for review."""
    lines = [f"Editorial review: organization {demo.organization} requires review. Demo accounts:"]
    for account in demo.accounts:
        shown = (f"password {account.password}  (shown only now: note it)" if account.password
                 else "already existed, password unchanged")
        lines.append(f"  {account.capacity:<8}  {account.name:<15}  {shown}")
    state = {True: "submitted for review now", False: "kept as an earlier load left it"}
    lines.append(f"Review rounds: new dataset {demo.new_dataset} ({state[demo.new_dataset_submitted]}), "
                 f"edit of {demo.edited_dataset} ({state[demo.edit_submitted]}).")
    return lines


def _ensure_reviewed_organization(services: Services, actor: Actor) -> None:
    try:
        organization = call_action(services, "organization_show", {"id": REVIEW_ORG}, actor=actor)
    except NotFound:
        entry = next(o for o in demo_catalog()["organizations"] if o["name"] == REVIEW_ORG)
        organization = call_action(services, "organization_create", dict(entry), actor=actor)
    if not organization.get("review_required"):
        call_action(services, "organization_patch", {"id": REVIEW_ORG, "review_required": True}, actor=actor)


def _ensure_account(services: Services, actor: Actor, name: str, capacity: str, fullname: str) -> DemoAccount:
    password = None
    if not exists(services, "user_show", name, actor):
        password = secrets.token_urlsafe(12)
        call_action(services, "user_create", {"name": name, "email": f"{name}@demo.moisson.example",
                                              "fullname": fullname, "password": password}, actor=actor)
    # Also on a second run: puts the capacity back if someone changed it.
    call_action(services, "organization_member_create",
                {"id": REVIEW_ORG, "username": name, "role": capacity}, actor=actor)
    return DemoAccount(name, capacity, password)


def _actor(services: Services, actor: Actor, name: str) -> Actor:
    user = call_action(services, "user_show", {"id": name}, actor=actor)
    return Actor(user_id=user["id"], name=user["name"], is_sysadmin=False)


def _published_dataset(services: Services, actor: Actor) -> dict[str, Any]:
    """EDITED_DATASET as a sysadmin sees it (with its `review` key once it has had a round); created from the
    catalogue when `moisson demo load` has not made it yet."""
    try:
        return call_action(services, "package_show", {"id": EDITED_DATASET}, actor=actor)
    except NotFound:
        entry = next(d for d in demo_catalog()["datasets"] if d["name"] == EDITED_DATASET)
        with ExitStack() as files:
            call_action(services, "package_create", package_dict(services, entry, files), actor=actor)
        return call_action(services, "package_show", {"id": EDITED_DATASET}, actor=actor)


def _edit_published_dataset(services: Services, editor: Actor) -> None:
    """The 2023 update an editor would make: new title, description and coverage, and the CSV with its 2023 rows.
    Each write is held in the dataset's edit round; the published version stays as it is."""
    published = call_action(services, "package_show", {"id": EDITED_DATASET}, actor=editor)
    extras = [{**e, "value": "2023-12-31"} if e["key"] == "temporal_end" else e for e in published["extras"]]
    call_action(services, "package_patch", {
        "id": published["id"],
        "title": "Population couverte par une aide au logement - Gironde (2020-2023)",
        "notes": published["notes"].replace(
            "Données au titre du mois de décembre de chaque année.",
            "Données au titre du mois de décembre de chaque année, de 2020 à 2023 (ajout du millésime 2023)."),
        "extras": extras,
    }, actor=editor)
    resource = next(r for r in published["resources"] if r["name"] == EDITED_FILE)
    call_action(services, "resource_patch", {
        "id": resource["id"],
        "description": "Fichier unique de 2020 à 2023 : une ligne par territoire et par date de référence "
                       "(colonne DTREF), séparateur point-virgule.",
        "url": "",
        "upload": FileStorage(stream=io.BytesIO(csv_with_2023()), filename=EDITED_FILE),
    }, actor=editor)
    call_action(services, "review_submit", {"id": published["id"], "comment": (
        "Ajout du millésime 2023 au fichier et mise à jour du titre et de la couverture temporelle.")}, actor=editor)


def _gironde_rows() -> tuple[list[str], list[list[str]]]:
    """The header and rows of the shipped LOGPersGironde.csv (UTF-8 with a BOM, semicolons)."""
    text = (FILES_DIR / EDITED_FILE).read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return header, rows


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    """As the shipped files are written (make_files): semicolons, UTF-8 with a BOM."""
    return make_files.encode(make_files.csv_text([header, *rows]), "utf-8-sig")


def _scaled(value: str, factor: float) -> str:
    # Empty cells are the statistical secret: they stay empty.
    return str(round(int(value) * factor)) if value else ""


def csv_with_2023() -> bytes:
    """LOGPersGironde.csv with a 31/12/2023 row per commune (2022's figures + 2 %, invented as the rest), ordered
    by commune then date: the review page previews the start of a changed file, where 2023 rows now show."""
    header, rows = _gironde_rows()
    added = [[*row[:2], "31/12/2023", *(_scaled(v, 1.02) for v in row[3:])]
             for row in rows if row[2] == "31/12/2022"]
    communes: dict[str, int] = {}  # Insee code -> its place in the shipped file
    for row in rows:
        communes.setdefault(row[1], len(communes))
    day, month, year = slice(0, 2), slice(3, 5), slice(6, 10)  # DTREF is JJ/MM/AAAA
    ordered = sorted(rows + added, key=lambda row: (communes[row[1]], row[2][year], row[2][month], row[2][day]))
    return _csv(header, ordered)


def csv_rsa_gironde() -> bytes:
    """The new dataset's file: RSA households per commune of the Gironde at 31/12/2022 (about a third of the
    people covered by a housing benefit, invented as the rest of the demo)."""
    header, rows = _gironde_rows()
    at_2022 = [row for row in rows if row[2] == "31/12/2022"]
    return _csv(["Communes", "Codes_Insee", "DTREF", "NB_Foyers_RSA"],
                [[*row[:3], _scaled(row[3], 0.17)] for row in at_2022])


def new_dataset_payload() -> dict[str, Any]:
    """package_create of the dataset the demo editor submits for review (its file uploaded)."""
    return {
        "name": NEW_DATASET,
        "title": "Foyers allocataires percevant le revenu de solidarité active (RSA) - Gironde",
        "owner_org": REVIEW_ORG,
        "notes": ("Nombre de foyers allocataires de la Caf de la Gironde percevant le revenu de solidarité active "
                  "(RSA), par commune du département, au 31 décembre 2022.\n\nSecret statistique : une cellule "
                  "vide signale une information manquante ou un effectif inférieur à 5.\n\n" + NOTE),
        "license_id": "lov2",
        "author": "Caf de la Gironde",
        "maintainer": "Caf de la Gironde - Service statistiques",
        "maintainer_email": "opendata@caf-gironde.example",
        "tags": [{"name": "RSA"}, {"name": "Gironde"}, {"name": "minima sociaux"}],
        "extras": [
            {"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"},
            {"key": "temporal_start", "value": "2022-12-31"},
            {"key": "temporal_end", "value": "2022-12-31"},
            {"key": "granularite_geographique", "value": "commune"},
            {"key": "spatial_text", "value": "Gironde"},
            {"key": "language", "value": "fr"},
        ],
        "resources": [{
            "name": "RSAGironde2022.csv", "format": "CSV", "mimetype": "text/csv", "url": "",
            "description": "Une ligne par commune, séparateur point-virgule, encodage UTF-8.",
            "upload": FileStorage(stream=io.BytesIO(csv_rsa_gironde()), filename="RSAGironde2022.csv"),
        }],
    }
