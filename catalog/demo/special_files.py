"""Demo files whose shape is not 'territory x measures': national series, AAH per Caf, EAJE, coverage rates.

Same conventions as make_files: seeded random, invented figures, real names of places only.
"""

from __future__ import annotations

import json
import random

from catalog.demo.geography import CAFS, COMMUNES, DEPARTEMENTS, EPCIS
from catalog.demo.specs import DemoDataset

Row = list[str]

# (code, benefit, beneficiaries order of magnitude, monthly amount per beneficiary in euros)
BENEFITS: list[tuple[str, str, int, float]] = [
    ("AF", "Allocations familiales", 5_000_000, 190.0),
    ("CF", "Complément familial", 860_000, 175.0),
    ("ASF", "Allocation de soutien familial", 770_000, 115.0),
    ("ARS", "Allocation de rentrée scolaire", 3_050_000, 31.0),
    ("AEEH", "Allocation d'éducation de l'enfant handicapé", 250_000, 210.0),
    ("AJPP", "Allocation journalière de présence parentale", 7_000, 900.0),
    ("PN", "Prime à la naissance ou à l'adoption", 55_000, 940.0),
    ("AB", "Allocation de base de la Paje", 1_650_000, 185.0),
    ("CMG", "Complément de libre choix du mode de garde", 800_000, 450.0),
    ("CLCA", "Complément de libre choix d'activité / PreParE", 420_000, 390.0),
    ("ALF", "Allocation de logement familiale", 1_280_000, 260.0),
    ("ALS", "Allocation de logement sociale", 2_390_000, 180.0),
    ("APL", "Aide personnalisée au logement", 2_760_000, 230.0),
    ("RSA", "Revenu de solidarité active", 2_320_000, 480.0),
    ("AAH", "Allocation aux adultes handicapés", 1_060_000, 690.0),
    ("PDEM", "Prime de déménagement", 4_000, 80.0),
    ("AVPF", "Assurance vieillesse des parents au foyer", 2_100_000, 95.0),
]

# Labels of the special files' columns for the read-me variable table: name -> (type, label).
LABELS: dict[str, tuple[str, str]] = {
    "Code": ("Char", "code de la prestation"),
    "Prestation": ("Char", "libellé de la prestation"),
    "Nb_beneficiaires": ("Num", "nombre de bénéficiaires au 31 décembre, tous régimes"),
    "Evolution_pct": ("Num", "évolution sur un an en %, virgule décimale"),
    "Montant_M_EUR": ("Num", "montant annuel versé en millions d'euros, virgule décimale"),
    "Part_pct": ("Num", "part dans le total des prestations en %, virgule décimale"),
    "NUMCOM": ("Char", "code Insee de la commune"),
    "NOMCOM": ("Char", "nom de la commune"),
    "NUMDEP": ("Char", "code du département"),
    "NOMDEP": ("Char", "nom du département"),
    "NUMEPCI": ("Char", "numéro Siren de l'EPCI"),
    "NOMEPCI": ("Char", "nom de l'EPCI"),
    "TXCOUVGLO_COM_2014": ("Num", "taux de couverture global de la commune en 2014 (%)"),
    "TXCOUVGLO_DEP_2014": ("Num", "taux de couverture global du département en 2014 (%)"),
    "TXCOUVGLO_EPCI_2014": ("Num", "taux de couverture global de l'EPCI en 2014 (%)"),
}
# Commune -> EPCI (Siren) for the coverage-rate file; communes left out have an empty EPCI cell.
COMMUNE_EPCI = {
    "69123": "200046977", "33063": "243300316", "33281": "243300316", "33318": "243300316",
    "44109": "244400404", "31555": "243100518", "67482": "246700488", "35238": "243500139",
    "38185": "200040715", "02168": "200035210", "02408": "200071249", "01053": "200042935",
    "01004": "200067361", "01007": "200067361", "01008": "200067361", "01001": "200069193",
    "01005": "200069193", "2A001": "200066744", "2A004": "200066744", "2A006": "200066744",
    "48095": "200034957", "97302": "200027548",
}
EAJE_TOWNS = [  # (Insee code, commune, postcode, latitude, longitude)
    ("33063", "Bordeaux", "33000", 44.8378, -0.5792), ("69123", "Lyon", "69003", 45.7600, 4.8500),
    ("44109", "Nantes", "44000", 47.2184, -1.5536), ("59350", "Lille", "59000", 50.6292, 3.0573),
    ("35238", "Rennes", "35000", 48.1173, -1.6778), ("31555", "Toulouse", "31000", 43.6047, 1.4442),
    ("02168", "Château-Thierry", "02400", 49.0464, 3.4030), ("2A004", "Ajaccio", "20000", 41.9192, 8.7386),
    ("01053", "Bourg-en-Bresse", "01000", 46.2052, 5.2255), ("30189", "Nîmes", "30000", 43.8367, 4.3601),
    ("42218", "Saint-Étienne", "42000", 45.4397, 4.3872),
]
EAJE_KINDS = ["Multi-accueil", "Crèche collective", "Micro-crèche", "Halte-garderie", "Crèche parentale"]
EAJE_NAMES = ["Les Petits Loups", "Les Lucioles", "Pomme d'Api", "Les Bambins", "Arc-en-ciel", "Les P'tits Mômes",
              "Câlins et Doudous", "La Farandole", "Les Lutins", "Les Écureuils", "L'Île aux enfants", "Les Galopins"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place de la Mairie",
           "boulevard Gambetta", "rue des Écoles", "allée des Tilleuls", "rue Pasteur"]


def comma(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def benefits_rows(period: str, rng: random.Random) -> list[Row]:
    growth = 1 + 0.01 * (int(period[:4]) - 2014)
    rows = [["Code", "Prestation", "Nb_beneficiaires", "Evolution_pct"]]
    for code, label, count, _ in BENEFITS:
        rows.append([code, label, str(round(count * growth * rng.uniform(0.97, 1.03))), comma(rng.uniform(-3, 4))])
    return rows


def spending_rows(period: str, rng: random.Random) -> list[Row]:
    growth = 1 + 0.012 * (int(period[:4]) - 2014)
    amounts = [(code, label, count * monthly * 12 / 1e6 * growth * rng.uniform(0.95, 1.05))
               for code, label, count, monthly in BENEFITS]
    total = sum(amount for *_, amount in amounts)
    rows = [["Code", "Prestation", "Montant_M_EUR", "Part_pct"]]
    rows += [[code, label, comma(amount), comma(100 * amount / total)] for code, label, amount in amounts]
    return rows


def aah_tables(spec: DemoDataset, rng: random.Random) -> dict[str, list[Row]]:
    cafs = [c for c in CAFS if c[2] in {"01", "13", "29", "33", "59", "75", "93", "974"}]
    count_rows = [["dep", "annee", "nb_beneficiaires_AAH"]]
    share_rows = [["Dep", "Annee", "AAH_taux_80_plus", "AAH_taux_50_79", "AAH_complement"]]
    for period in spec.periods:
        year = int(period[:4])
        for _, _, dep, weight in cafs:
            count = round(weight * 0.085 * (1 + 0.02 * (year - 2010)) * rng.uniform(0.95, 1.05))
            count_rows.append([dep, str(year), str(count)])
            if year >= 2012:
                high = round(count * rng.uniform(0.55, 0.65))
                share_rows.append([dep, str(year), str(high), str(count - high),
                                   str(round(count * rng.uniform(0.15, 0.25)))])
    return {spec.files[0]: count_rows, spec.files[1]: share_rows}


def eaje_tables(spec: DemoDataset, rng: random.Random) -> dict[str, list[Row] | str]:
    rows: list[Row] = [["FID", "Nomequ", "Adresse", "Code_postal", "Commune", "Codes_Insee", "Nb_places",
                        "Latitude", "Longitude"]]
    features = []
    for fid in range(1, 37):
        code, town, postcode, lat, lon = EAJE_TOWNS[fid % len(EAJE_TOWNS)]
        kind = rng.choice(EAJE_KINDS)
        name = f"{kind} {rng.choice(EAJE_NAMES)}"
        places = rng.randint(8, 12) if kind == "Micro-crèche" else rng.randint(15, 70)
        address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        lat, lon = round(lat + rng.uniform(-0.02, 0.02), 5), round(lon + rng.uniform(-0.02, 0.02), 5)
        rows.append([str(fid), name, address, postcode, town, code, str(places), str(lat), str(lon)])
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"FID": fid, "Nomequ": name, "Adresse": f"{address} {postcode} {town}",
                                        "Nb_places": places}})
    geojson = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return {spec.files[0]: rows, spec.files[1]: geojson + "\n"}


def txcouv_rows(rng: random.Random) -> list[Row]:
    departements = {code: name for code, name, _ in DEPARTEMENTS}
    dep_rate = {code: rng.uniform(40, 75) for code in departements}
    epcis = {siren: name for siren, name, _, _ in EPCIS}
    epci_rate = {siren: rng.uniform(35, 80) for siren in epcis}
    rows = [["NUMCOM", "NOMCOM", "NUMDEP", "NOMDEP", "NUMEPCI", "NOMEPCI", "TXCOUVGLO_COM_2014",
             "TXCOUVGLO_DEP_2014", "TXCOUVGLO_EPCI_2014"]]
    for code, name, weight in COMMUNES:
        dep = code[:3] if code.startswith("97") else code[:2]
        if dep not in departements:
            continue
        siren = COMMUNE_EPCI.get(code, "")
        # Small communes have no formal childcare offer counted: the rate is missing.
        rate = "" if weight < 50 else f"{rng.uniform(10, 95):.1f}"
        rows.append([
            code, name.upper(), dep.lstrip("0"),  # the real file wrote Ain as 1, without its leading zero
            departements[dep].upper(), siren, epcis.get(siren, "").upper(), rate, f"{dep_rate[dep]:.1f}",
            f"{epci_rate[siren]:.1f}" if siren else "",
        ])
    return rows


def build(spec: DemoDataset, rng: random.Random) -> dict[str, list[Row] | str]:
    if spec.kind == "benefits_tr":
        return {file: benefits_rows(period, rng) for file, period in zip(spec.files, spec.periods, strict=True)}
    if spec.kind == "spending_tr":
        return {file: spending_rows(period, rng) for file, period in zip(spec.files, spec.periods, strict=True)}
    if spec.kind == "aah_caf":
        return dict(aah_tables(spec, rng))
    if spec.kind == "eaje":
        return eaje_tables(spec, rng)
    if spec.kind == "txcouv_com":
        return {spec.files[0]: txcouv_rows(rng)}
    raise ValueError(f"unknown special kind {spec.kind}")
