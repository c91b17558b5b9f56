"""The demo catalogue's datasets, modelled on the CAF open data portal (titles, files, columns).

Titles, file names and column names follow caf-catalog-facts.json; the figures written in the files are
invented by make_files.py.
"""

from __future__ import annotations

from catalog.demo.measures import (
    AAH,
    AAH_TEXT,
    AEEH,
    AEEH_TEXT,
    AGE,
    ALL_TEXT,
    ARS,
    ARS_TEXT,
    BAS_REVENUS,
    CMG_TEXT,
    DEPENDANCE,
    EAJE_TEXT,
    EJ,
    ENFANTS,
    FAMILLE,
    FAMILY_TEXT,
    LOG,
    LOG_PERS,
    LOG_TEXT,
    NIV,
    PAJE,
    PAJE_TEXT,
    PPA,
    PPA_TEXT,
    QUALITY_TEXT,
    RES_TEXT,
    RSA,
    RSA_PERS,
    RSA_TEXT,
    one,
)
from catalog.demo.specs import CKAN_ERA_URL, DemoDataset, Measure, caf, cafdata, commune, epci, m, years

OLD = {"license_id": "fr-lo"}
DATASETS: list[DemoDataset] = [
    commune("Foyers allocataires percevant le revenu de solidarité active (RSA)", "RSACom", RSA,
            summary="Foyers ayant un droit versable au RSA en décembre, avec le détail RSA jeune, socle non "
                    "majoré, socle majoré et activité.", prestation=RSA_TEXT,
            tags=("RSA", "minima sociaux", "insertion", "commune"), groups=("solidarite-insertion",),
            source_url=CKAN_ERA_URL + "rsa-par-commune", **OLD),
    epci("Foyers allocataires percevant le revenu de solidarité active (RSA)", "RSA", RSA[:4],
         summary="Foyers ayant un droit versable au RSA, par intercommunalité, au titre de décembre.",
         prestation=RSA_TEXT, tags=("RSA", "minima sociaux", "EPCI"), groups=("solidarite-insertion",)),
    caf("Foyers allocataires percevant le revenu de solidarité active (RSA)", "RSA", RSA[:2],
        summary="Nombre de foyers bénéficiaires du RSA pour chaque caisse d'allocations familiales.",
        prestation=RSA_TEXT, tags=("RSA", "Caf", "minima sociaux"), groups=("solidarite-insertion",)),
    commune("Population couverte par le revenu de solidarité active (RSA)", "RSAPersCom", RSA_PERS,
            summary="Personnes couvertes par le RSA (allocataires et membres du foyer), selon la composante "
                    "socle non majoré, socle majoré et activité.", prestation=RSA_TEXT,
            tags=("RSA", "minima sociaux", "personnes couvertes", "commune"), groups=("solidarite-insertion",),
            unit="Personnes couvertes", **OLD),
    commune("Foyers allocataires percevant une aide au logement", "LOGCom", LOG,
            summary="Foyers bénéficiaires d'une aide au logement (ALF, ALS, APL), distingués entre locataires "
                    "(ou résidents en foyer) et accédants à la propriété.", prestation=LOG_TEXT,
            tags=("logement", "APL", "ALF", "ALS", "commune"), groups=("logement",), **OLD),
    epci("Foyers allocataires percevant une aide au logement", "LOG", LOG[:5],
         summary="Foyers bénéficiaires d'une aide au logement par intercommunalité et par type d'aide.",
         prestation=LOG_TEXT, tags=("logement", "APL", "EPCI"), groups=("logement",)),
    caf("Foyers allocataires percevant une aide au logement", "LOG", LOG[:5],
        summary="Foyers allocataires bénéficiaires d'une aide au logement (ALF, ALS, APL), par Caf.",
        prestation=LOG_TEXT, tags=("logement", "Caf", "APL"), groups=("logement",), encoding="cp1252",
        names="upper_accents"),
    commune("Population couverte par une aide personnelle au logement", "LOGPersPrestaCom", LOG_PERS,
            summary="Personnes membres des foyers couverts par une aide au logement, au total et par type "
                    "d'aide (ALF, ALS, APL).", prestation=LOG_TEXT,
            tags=("logement", "personnes couvertes", "APL", "commune"), groups=("logement",),
            unit="Personnes couvertes", encoding="utf-8", names="upper_plain"),
    DemoDataset(
        title="Population couverte par une aide au logement - Gironde", level="gironde", measures=LOG_PERS,
        summary="Dénombrement, pour la Caf de la Gironde, des personnes membres de foyers ayant un droit "
                "versable à une aide au logement (ALF, ALS, APL), par commune du département.",
        prestation=LOG_TEXT, tags=("logement", "Gironde", "personnes couvertes"), groups=("logement",),
        files=("LOGPersGironde.csv",), periods=years(2020, 2022), readme="lisezmoiLOGPersGironde.txt",
        encoding="utf-8-sig", names="title", owner="caf-gironde", unit="Personnes couvertes"),
    commune("Foyers allocataires percevant la prestation d'accueil du jeune enfant (Paje)", "PAJECom", PAJE,
            summary="Foyers bénéficiaires de la Paje et de ses composantes (prime à la naissance, allocation "
                    "de base, complément de libre choix du mode de garde, CLCA puis PreParE).",
            prestation=PAJE_TEXT, tags=("commune", "paje", "clca", "cmg"), groups=("petite-enfance",),
            old_names=(("NB_allocataires", "NB_Allocataires"),)),
    epci("Foyers allocataires percevant la prestation d'accueil du jeune enfant (Paje)", "PAJE", PAJE[:5],
         summary="Foyers bénéficiaires de la Paje par intercommunalité.", prestation=PAJE_TEXT,
         tags=("paje", "petite enfance", "EPCI"), groups=("petite-enfance",)),
    caf("Foyers allocataires percevant la prestation d'accueil du jeune enfant (Paje)", "PAJE", PAJE[:3],
        summary="Foyers bénéficiaires de la Paje pour chaque Caf.", prestation=PAJE_TEXT,
        tags=("paje", "Caf", "petite enfance"), groups=("petite-enfance",)),
    commune("Bénéficiaires de l'allocation aux adultes handicapés (AAH)", "AAHCom", AAH,
            summary="Allocataires ayant un droit versable à l'AAH au cours du mois de décembre.",
            prestation=AAH_TEXT, tags=("AAH", "handicap", "minima sociaux", "commune"),
            groups=("solidarite-insertion",), **OLD),
    epci("Bénéficiaires de l'allocation aux adultes handicapés (AAH)", "AAH", AAH,
         summary="Allocataires percevant l'AAH par intercommunalité.", prestation=AAH_TEXT,
         tags=("AAH", "handicap", "EPCI"), groups=("solidarite-insertion",)),
    DemoDataset(
        title="Personnes percevant l'allocation aux adultes handicapés (AAH) - par Caf", level="caf",
        measures=(), kind="aah_caf", summary="Bénéficiaires de l'AAH par Caf et département : une ressource de "
        "dénombrement (série longue) et une ressource de répartition par taux d'incapacité.",
        prestation=AAH_TEXT, tags=("AAH", "handicap", "Caf", "département"), groups=("solidarite-insertion",),
        files=("AAH_denombrement.csv", "AAH_repartition.csv"), periods=years(2010, 2015), readme=None,
        encoding="utf-8", unit="Personnes"),
    commune("Nombre d'enfants couverts par l'allocation d'éducation de l'enfant handicapé (AEEH)", "enfantAEEH",
            AEEH, summary="Enfants ouvrant droit à l'AEEH, par tranche d'âge (0-2 ans à 18-20 ans).",
            prestation=AEEH_TEXT, tags=("AEEH", "handicap", "enfants", "commune"), unit="Enfants", **OLD),
    caf("Foyers allocataires percevant l'allocation d'éducation de l'enfant handicapé (AEEH)", "AEEH",
        one("ALL_AEEH", "foyers percevant l'AEEH", 0.02), summary="Foyers bénéficiaires de l'AEEH, une ligne "
        "par Caf.", prestation=AEEH_TEXT, tags=("AEEH", "Caf", "prestations familiales")),
    commune("Nombre d'enfants couverts par l'allocation de rentrée scolaire (ARS)", "enfantARS", ARS,
            summary="Enfants scolarisés de 6 à 18 ans ouvrant droit à l'ARS, par tranche d'âge.",
            prestation=ARS_TEXT, tags=("ARS", "rentrée scolaire", "enfants", "commune"), unit="Enfants",
            encoding="utf-8-sig", names="upper_plain"),
    caf("Foyers allocataires percevant l'allocation de rentrée scolaire (ARS)", "ARS",
        one("ALL_ARS", "foyers percevant l'ARS", 0.25), summary="Foyers bénéficiaires de l'ARS, une ligne "
        "par Caf.", prestation=ARS_TEXT, tags=("ARS", "Caf", "prestations familiales")),
    DemoDataset(
        title="Nombre d'enfants couverts par l'allocation de rentrée scolaire (ARS) et l'allocation "
              "d'éducation de l'enfant handicapé (AEEH) - par Commune", level="commune",
        measures=(ARS[0], AEEH[0]), summary="Enfants couverts au titre de l'ARS et de l'AEEH pour l'année de "
        "référence (version moissonnée par data.gouv.fr).", prestation=ARS_TEXT + " " + AEEH_TEXT,
        tags=("ARS", "AEEH", "enfants", "commune"), files=("ARS_AEEH_Com.csv",), periods=years(2017, 2018),
        readme=None, encoding="utf-8", names="upper_plain", unit="Enfants"),
    commune("Foyers allocataires percevant une prestation enfance et jeunesse (AF, CF, ASF, AEEH et ARS)",
            "EJCom", EJ, summary="Foyers bénéficiaires des allocations familiales, du complément familial, de "
            "l'allocation de rentrée scolaire, de l'allocation de soutien familial et de l'AEEH.",
            prestation=FAMILY_TEXT, tags=("allocations familiales", "enfance", "jeunesse", "commune")),
    epci("Foyers allocataires percevant une prestation enfance et jeunesse", "EJ", EJ,
         summary="Foyers bénéficiaires des prestations d'entretien, par intercommunalité.",
         prestation=FAMILY_TEXT, tags=("allocations familiales", "enfance", "EPCI")),
    caf("Foyers allocataires percevant les allocations familiales (AF)", "AF",
        one("ALL_AF", "foyers percevant les allocations familiales", 0.38), prestation=FAMILY_TEXT,
        summary="Foyers bénéficiaires des allocations familiales, une ligne par Caf.",
        tags=("AF", "Caf", "prestations familiales"), encoding="cp1252", names="upper_accents"),
    caf("Foyers allocataires percevant le complément familial (CF)", "CF",
        one("ALL_CF", "foyers percevant le complément familial", 0.07), prestation=FAMILY_TEXT,
        summary="Foyers bénéficiaires du complément familial, une ligne par Caf.",
        tags=("CF", "Caf", "prestations familiales")),
    caf("Foyers allocataires percevant l'allocation de soutien familial (ASF)", "ASF",
        one("ALL_ASF", "foyers percevant l'allocation de soutien familial", 0.06), prestation=FAMILY_TEXT,
        summary="Foyers bénéficiaires de l'allocation de soutien familial, une ligne par Caf.",
        tags=("ASF", "Caf", "prestations familiales"), encoding="cp1252", names="upper_accents"),
]
DATASETS += [
    commune("Population couverte par au moins une prestation", "NIVCOMTOTAL", NIV, unit="Personnes couvertes",
            summary="Personnes couvertes par la branche Famille (allocataires, conjoints, enfants et autres "
                    "personnes à charge) et nombre d'enfants couverts.", prestation=ALL_TEXT,
            tags=("allocataires", "personnes couvertes", "enfants", "commune"), **OLD),
    epci("Population couverte par au moins une prestation", "NIVTOTAL", NIV[:2], unit="Personnes couvertes",
         summary="Personnes couvertes par la branche Famille et enfants couverts, au titre de décembre ; "
                 "fichier unique multi-années avec une colonne date de référence (DTREF).",
         prestation=ALL_TEXT, tags=("allocataires", "personnes couvertes", "EPCI")),
    caf("Population couverte par au moins une prestation", "NIVTOTAL", NIV[:2], unit="Personnes couvertes",
        summary="Personnes couvertes par la branche Famille, une ligne par Caf.", prestation=ALL_TEXT,
        tags=("allocataires", "personnes couvertes", "Caf")),
    commune("Répartition des foyers allocataires selon le type de famille", "configfamiliale", FAMILLE,
            summary="Foyers allocataires répartis en couples (0 à 4 enfants ou plus), personnes isolées "
                    "(hommes, femmes) et familles monoparentales (1 à 4 enfants ou plus).", prestation=ALL_TEXT,
            tags=("structure familiale", "familles monoparentales", "couples", "commune")),
    epci("Répartition des foyers allocataires selon le type de famille", "configfamiliale", FAMILLE,
         summary="Foyers allocataires par configuration familiale, par intercommunalité.", prestation=ALL_TEXT,
         tags=("structure familiale", "familles monoparentales", "EPCI")),
    commune("Dénombrement et répartition des foyers allocataires selon l'âge du responsable de dossier",
            "trancheage", AGE, summary="Foyers allocataires selon la tranche d'âge du responsable du dossier "
            "(moins de 20 ans à 70 ans ou plus, âge inconnu).", prestation=ALL_TEXT,
            tags=("age", "allocataires", "commune"), old_names=(("NB_allocataires", "NB_Allocataires"),)),
    epci("Dénombrement et répartition des foyers allocataires selon l'âge du responsable de dossier",
         "trancheage", AGE, summary="Foyers allocataires par tranche d'âge du responsable, par EPCI.",
         prestation=ALL_TEXT, tags=("age", "allocataires", "EPCI"), encoding="utf-8"),
    commune("Répartition des enfants couverts par au moins une prestation Caf - par tranche d'âge",
            "enfantageCom", ENFANTS, summary="Enfants bénéficiaires d'au moins une prestation Caf, par tranche "
            "d'âge de 0-2 ans à 20-24 ans.", prestation=ALL_TEXT, tags=("enfants", "age", "commune"),
            unit="Enfants", encoding="utf-8", names="title"),
    commune("Indicateur sur la part des prestations dans les ressources des foyers allocataires",
            "DependancePrestaCom", DEPENDANCE, summary="Foyers allocataires dont les ressources proviennent pour "
            "moitié au moins, ou en totalité, des prestations Caf (indicateur de dépendance aux prestations).",
            prestation=RES_TEXT, tags=("dependance aux prestations", "precarite", "ressources", "commune"),
            groups=("solidarite-insertion",), **OLD),
    epci("Indicateur sur la part des prestations dans les ressources des foyers allocataires",
         "DependancePresta", DEPENDANCE, summary="Indicateur de dépendance aux prestations par EPCI.",
         prestation=RES_TEXT, tags=("dependance aux prestations", "ressources", "EPCI"),
         groups=("solidarite-insertion",)),
    commune('Foyers allocataires à "bas revenus"', "BasrevenuCom", BAS_REVENUS, span=(2014, 2015),
            summary="Foyers allocataires (et personnes couvertes) sous le seuil de bas revenus, rapportés à une "
                    "population d'allocataires de référence dont la Caf connaît les ressources.",
            prestation=RES_TEXT, tags=("bas revenus", "pauvrete", "revenus", "commune"),
            groups=("solidarite-insertion",), source_url=CKAN_ERA_URL + "beneficiaire-bas-revenus", **OLD),
    epci('Foyers allocataires à "bas revenus"', "Basrevenu", BAS_REVENUS, prestation=RES_TEXT,
         summary="Foyers à bas revenus parmi la population d'allocataires de référence, déclinaison "
                 "intercommunale du jeu communal.", tags=("bas revenus", "pauvreté", "EPCI"),
         groups=("solidarite-insertion",)),
    DemoDataset(
        title="Type de prime d'activité (PPA) majorée ou non - par EPCI", level="epci", measures=PPA,
        summary="Foyers ayant un droit versable à la prime d'activité, avec le détail majorée / non majorée "
                "et les moins de 25 ans (PPA_jeune).", prestation=PPA_TEXT,
        tags=("prime activité", "PPA", "EPCI"), groups=("solidarite-insertion",), files=("PPAEPCI.csv",),
        periods=years(2019, 2021), readme="lisezmoiPPAEPCI.txt", encoding="utf-8-sig"),
    cafdata("Répartition des allocataires selon le type de prime d'activité [Communal]", "ppa_s_type_com_f.csv",
            "commune", (m("indfoy_ppa", "foyers percevant la prime d'activité", "frac", 0.22),
                        m("indfoy_ppamaj", "dont prime majorée", "of", "indfoy_ppa", 0.06),
                        m("indfoy_ppajeune", "dont responsable de moins de 25 ans", "of", "indfoy_ppa", 0.16),
                        m("indnbp_ppa", "personnes couvertes", "of", "indfoy_ppa", 2.1),
                        m("indmtt_ppa", "montant versé en euros", "eur", "indfoy_ppa", 186.0)),
            summary="Foyers allocataires de la prime d'activité par commune, personnes couvertes et montants "
                    "versés au titre de décembre ; effectifs arrondis à 5.", prestation=PPA_TEXT,
            tags=("PPA", "prime activité", "commune"), groups=("solidarite-insertion",)),
    DemoDataset(
        title="Les bénéficiaires tous régimes de prestations familiales et sociales", level="national",
        measures=(), kind="benefits_tr", summary="Série nationale annuelle du nombre de bénéficiaires des "
        "prestations familiales et sociales gérées par la branche Famille, tous régimes confondus.",
        prestation=FAMILY_TEXT, tags=("bénéficiaires", "prestations", "national", "tous régimes"),
        files=("BenTR2014.csv", "BenTR2015.csv"), periods=years(2014, 2015), readme="DescriptiffichierbenTR.txt",
        remarks=("Bénéficiaires au 31 décembre, tous régimes (régime général, régime agricole, fonction publique).", "Evolution_pct : évolution sur un an en %, avec une virgule décimale."),
        encoding="cp1252", names="title", unit="Bénéficiaires", **OLD),
    DemoDataset(
        title="Les dépenses tous régimes de prestations familiales et sociales", level="national",
        measures=(), kind="spending_tr", summary="Série nationale annuelle des montants de prestations "
        "familiales et sociales versés, tous régimes (millions d'euros, virgule décimale).",
        prestation=FAMILY_TEXT, tags=("dépenses", "montants", "prestations", "national", "tous régimes"),
        files=("DepTR2014.csv", "DepTR2015.csv"), periods=years(2014, 2015), readme="DescriptiffichierdepTR.txt",
        remarks=("Montants annuels en millions d'euros, avec une virgule décimale.", "Part_pct : part de la prestation dans le total, en %."),
        encoding="cp1252", names="title", unit="Millions d'euros", **OLD),
]


def quality(title: str, stem: str, measures: tuple[Measure, ...], summary: str) -> DemoDataset:
    return caf(title, stem, measures, summary=summary, prestation=QUALITY_TEXT, unit="Indicateur",
               tags=("qualité de service", "Caf", "relation allocataires"), groups=(), encoding="cp1252",
               names="upper_accents", periods=years(2012, 2013))


CAF_BASE = m("NB_allocataires", "nombre de foyers allocataires de la Caf", "base", 1)
TXCOUV = (
    m("txcouv_dep", "taux de couverture global (%)", "rate", 45, 80),
    m("txcouv_am_ind_dep", "taux de couverture par les assistantes maternelles (%)", "rate", 15, 45),
    m("txcouv_psu_col_dep", "taux de couverture par les EAJE financés par la PSU (%)", "rate", 10, 35),
    m("txcouv_ecole_dep", "taux de couverture par l'école préélémentaire (%)", "rate", 1, 6),
)
CMG = (
    m("indfoy_cmg", "foyers percevant le CMG", "frac", 0.05),
    m("indfoy_cmg_asma", "dont assistante maternelle", "of", "indfoy_cmg", 0.85),
    m("indfoy_cmg_gad", "dont garde à domicile", "of", "indfoy_cmg", 0.06),
    m("indfoy_cmg_struct", "dont structure (micro-crèche, association)", "of", "indfoy_cmg", 0.09),
    m("indnbp_cmg", "personnes couvertes", "of", "indfoy_cmg", 3.6),
    m("indmtt_cmg", "montant versé en euros", "eur", "indfoy_cmg", 472.0),
)
SBEN = (
    m("indfoy_ndur", "foyers allocataires", "base", 1), m("indnbp_ndur", "personnes couvertes", "base", 2.5),
    m("indfoy_af", "foyers percevant les AF", "frac", 0.38), m("indfoy_cf", "foyers percevant le CF", "frac", 0.07),
    m("indfoy_asf", "foyers percevant l'ASF", "frac", 0.06),
    m("indfoy_ndurpaje", "foyers percevant la Paje", "frac", 0.18),
    m("indfoy_ndural", "foyers percevant une aide au logement", "frac", 0.45),
    m("indfoy_rsa", "foyers percevant le RSA", "frac", 0.13),
    m("indmtt_rsa", "montant de RSA versé en euros", "eur", "indfoy_rsa", 612.0),
    m("indfoy_ppa", "foyers percevant la prime d'activité", "frac", 0.33),
)
DATASETS += [
    epci("Population couverte par le revenu de solidarité active (RSA)", "RSAPers", RSA_PERS[:3],
         summary="Personnes couvertes par le RSA par intercommunalité.", prestation=RSA_TEXT,
         tags=("RSA", "personnes couvertes", "EPCI"), groups=("solidarite-insertion",), unit="Personnes couvertes"),
    quality("Taux de régularité des paiements", "RegulPaiement",
            (CAF_BASE, m("TX_REGULARITE", "part des droits payés à bonne date (%)", "rate", 94, 99.8)),
            "Part des prestations versées à bonne date, chaque mois, pour chaque Caf."),
    quality("Visites à l'accueil", "Accueil",
            (CAF_BASE, m("NB_VISITES", "visites reçues à l'accueil", "frac", 1.3),
             m("ATTENTE_MOYENNE_MIN", "temps d'attente moyen en minutes", "dec", 6, 25)),
            "Nombre de visites reçues dans les points d'accueil de chaque Caf et temps d'attente moyen."),
    quality("Pièces reçues et délai de traitement", "Pieces",
            (CAF_BASE, m("NB_PIECES_RECUES", "pièces justificatives reçues", "frac", 11.0),
             m("DELAI_MOYEN_JOURS", "délai moyen de traitement en jours", "dec", 4, 21)),
            "Pièces justificatives reçues par chaque Caf et délai moyen de traitement."),
    quality("Appels téléphoniques aboutis", "Appels",
            (CAF_BASE, m("NB_APPELS_RECUS", "appels reçus", "frac", 2.8),
             m("NB_APPELS_ABOUTIS", "appels aboutis", "of", "NB_APPELS_RECUS", 0.82),
             m("TX_APPELS_ABOUTIS", "taux d'appels aboutis (%)", "ratio", "NB_APPELS_ABOUTIS", "NB_APPELS_RECUS")),
            "Appels téléphoniques reçus et aboutis pour chaque Caf."),
    DemoDataset(
        title="Adresses des établissements d'accueil du jeune enfant percevant une prestation de service Caf "
              "et nombre de places offertes", level="etablissement", measures=(), kind="eaje",
        summary="Adresse et capacité (nombre de places) de chaque établissement d'accueil du jeune enfant "
                "(crèches, multi-accueil...) financé par une prestation de service Caf.", prestation=EAJE_TEXT,
        tags=("petite enfance", "EAJE", "crèches", "accueil du jeune enfant", "géolocalisation"),
        groups=("petite-enfance",), files=("EAJE2017.csv", "EAJE2017.geojson"), periods=years(2017, 2017),
        readme=None, encoding="utf-8", names="title", frequency="IRREG", unit="Places"),
    DemoDataset(
        title="Taux de couverture global en accueil du jeune enfant - par Commune", level="commune",
        measures=(), kind="txcouv_com", summary="Taux de couverture global de l'accueil des enfants de moins "
        "de 3 ans, avec les taux de l'EPCI et du département sur chaque ligne.", prestation=EAJE_TEXT,
        tags=("petite enfance", "taux de couverture", "accueil du jeune enfant", "commune"),
        groups=("petite-enfance",), files=("TXCOUVGLO2014.csv",), periods=years(2014, 2014),
        readme="lisezmoiTXCOUVGLO2014.txt",
        remarks=("Taux en %, avec un point décimal ; cellule vide : taux non calculé (commune sans offre recensée).", "Le code département est écrit sans zéro initial (1 pour l'Ain).", "NUMEPCI vide : commune non rattachée à un EPCI de la liste."), encoding="cp1252", names="upper_accents", unit="Pourcentage"),
    cafdata("Taux de couverture de l'accueil du jeune enfant - par Département", "txcouv_pe_dep.csv",
            "departement", TXCOUV, periods=years(2020, 2021), date_column="annee", unit="Pourcentage",
            summary="Taux de couverture des enfants de moins de 3 ans par les modes d'accueil formels, par "
                    "département et par mode d'accueil.", prestation=EAJE_TEXT,
            tags=("petite enfance", "taux de couverture", "département"), groups=("petite-enfance",)),
    cafdata("CMG - Répartition des allocataires selon le type de CMG et la situation familiale [Département]",
            "ndurcmg_s_sitfam_dep.csv", "departement", CMG,
            periods=("2023-01-31", "2023-02-28"), frequency="MONTHLY",
            summary="Bénéficiaires mensuels du complément mode de garde par type de CMG, par département : "
                    "foyers, personnes couvertes et montant versé.", prestation=CMG_TEXT,
            tags=("CMG", "petite enfance", "mode de garde", "département"), groups=("petite-enfance",)),
    cafdata("CMG - Répartition des allocataires selon le type de CMG et la composition familiale [Communal]",
            "ndurcmg_s_compfam_com_f.csv", "commune", CMG, summary="Bénéficiaires du complément mode de garde "
            "au titre de décembre, par commune : foyers, personnes couvertes, montant ; effectifs arrondis à 5.",
            prestation=CMG_TEXT, tags=("CMG", "petite enfance", "mode de garde", "commune"),
            groups=("petite-enfance",), encoding="utf-8"),
    cafdata("Répartition des allocataires selon le type de RSA [Communal]", "rsa_s_type_com_f.csv", "commune",
            (SBEN[7], m("indfoy_rsamaj", "dont RSA majoré", "of", "indfoy_rsa", 0.11),
             m("indnbp_rsa", "personnes couvertes par le RSA", "of", "indfoy_rsa", 1.9), SBEN[8]),
            summary="Foyers allocataires du RSA par type, personnes couvertes et montants versés ; effectifs "
                    "arrondis à 5.", prestation=RSA_TEXT, tags=("RSA", "minima sociaux", "commune"),
            groups=("solidarite-insertion",)),
    cafdata("Allocataires et prestations [Communal]", "s_ben_com_f.csv", "commune", SBEN,
            summary="Par commune, au titre de décembre : foyers allocataires et personnes couvertes, et foyers "
                    "bénéficiaires de chaque grande prestation. Un foyer peut percevoir plusieurs prestations : "
                    "les colonnes ne s'additionnent pas.", prestation=ALL_TEXT,
            tags=("allocataires", "prestations", "commune")),
    cafdata("Allocataires et prestations [National]", "s_ben_nat.csv", "national", SBEN, periods=years(2016, 2024),
            summary="Série nationale : foyers allocataires, personnes couvertes et bénéficiaires de chaque grande "
                    "prestation au titre de décembre.", prestation=ALL_TEXT,
            tags=("allocataires", "prestations", "national"), encoding="utf-8"),
]
