"""Measure lists and benefit descriptions shared by the demo datasets (column names from caf-catalog-facts.json)."""

from __future__ import annotations

from catalog.demo.specs import Measure, m

ALLOC = m("NB_allocataires", "nombre total de foyers allocataires de la branche Famille", "base", 1)

RSA = (
    ALLOC,
    m("NB_allocataire_RSA", "foyers allocataires percevant le RSA", "frac", 0.07),
    m("Dont_RSA_jeune", "dont RSA jeune actif", "of", "NB_allocataire_RSA", 0.01),
    m("RSA_SOCLE_non_Majore", "foyers au RSA socle non majoré", "of", "NB_allocataire_RSA", 0.55),
    m("RSA_SOCLE_Majore", "foyers au RSA socle majoré", "of", "NB_allocataire_RSA", 0.09),
    m("RSA_activite", "foyers au RSA activité seul", "of", "NB_allocataire_RSA", 0.36),
)
RSA_PERS = (
    m("NB_Pers_par_Foyer_Alloc", "personnes couvertes par la branche Famille", "base", 2.4),
    m("NB_Pers_couv_RSA", "personnes couvertes par le RSA", "frac", 0.15),
    m("RSA_SOCLE_non_Majore_Pers_couv", "personnes couvertes par le RSA socle non majoré",
      "of", "NB_Pers_couv_RSA", 0.5),
    m("RSA_SOCLE_Majore_Pers_couv", "personnes couvertes par le RSA socle majoré", "of", "NB_Pers_couv_RSA", 0.15),
    m("RSA_activite_Pers_couv", "personnes couvertes par le RSA activité", "of", "NB_Pers_couv_RSA", 0.35),
)
LOG = (
    m("total_allocataires", "nombre total de foyers allocataires", "base", 1),
    m("total_allocataires_logement", "foyers percevant une aide au logement", "frac", 0.45),
    m("total_ALF", "foyers percevant l'ALF", "of", "total_allocataires_logement", 0.3),
    m("total_ALS", "foyers percevant l'ALS", "of", "total_allocataires_logement", 0.4),
    m("total_APL", "foyers percevant l'APL", "of", "total_allocataires_logement", 0.3),
    m("locataire_ALF", "locataires percevant l'ALF", "of", "total_ALF", 0.93),
    m("locataire_ALS", "locataires percevant l'ALS", "of", "total_ALS", 0.98),
    m("locataire_APL", "locataires percevant l'APL", "of", "total_APL", 0.9),
    m("proprietaire_ALF", "accédants percevant l'ALF", "of", "total_ALF", 0.07),
    m("proprietaire_ALS", "accédants percevant l'ALS", "of", "total_ALS", 0.02),
    m("proprietaire_APL", "accédants percevant l'APL", "of", "total_APL", 0.1),
    m("total_locataire", "foyers locataires ou en foyer", "of", "total_allocataires_logement", 0.94),
    m("total_proprietaire", "foyers accédants à la propriété", "of", "total_allocataires_logement", 0.06),
)
LOG_PERS = (
    m("NB_Pers_Couv_Al", "personnes couvertes par une aide au logement", "frac", 1.0),
    m("Pers_Couv_Al_ALF", "personnes couvertes par l'ALF", "of", "NB_Pers_Couv_Al", 0.45),
    m("Pers_Couv_Al_ALS", "personnes couvertes par l'ALS", "of", "NB_Pers_Couv_Al", 0.3),
    m("Pers_Couv_Al_APL", "personnes couvertes par l'APL", "of", "NB_Pers_Couv_Al", 0.25),
)
PAJE = (
    m("NB_allocataires", "nombre total de foyers allocataires", "base", 1),
    m("ALL_PAJE", "foyers percevant la Paje", "frac", 0.2),
    m("ALL_PRIM", "foyers percevant la prime à la naissance ou à l'adoption", "of", "ALL_PAJE", 0.06),
    m("ALL_BASEP", "foyers percevant l'allocation de base", "of", "ALL_PAJE", 0.75),
    m("ALL_CMG", "foyers percevant le complément de libre choix du mode de garde", "of", "ALL_PAJE", 0.35),
    m("ALL_CMG_ASMA", "dont CMG assistante maternelle", "of", "ALL_CMG", 0.85),
    m("ALL_CMG_DOM", "dont CMG garde à domicile", "of", "ALL_CMG", 0.05),
    m("ALL_CMG_A", "dont CMG structure", "of", "ALL_CMG", 0.1),
    m("ALL_Clca_Colca", "foyers percevant le CLCA ou le COLCA", "of", "ALL_PAJE", 0.12),
)
AAH = (m("NB_Allocataires", "nombre total de foyers allocataires", "base", 1),
       m("ALL_AAH", "foyers ayant un droit versable à l'AAH", "frac", 0.08))
AEEH = (
    m("NB_enfant_AEEH", "enfants ouvrant droit à l'AEEH", "frac", 0.025),
    m("AEEH_0A2", "enfants de 0 à 2 ans", "of", "NB_enfant_AEEH", 0.03),
    m("AEEH_3A5", "enfants de 3 à 5 ans", "of", "NB_enfant_AEEH", 0.12),
    m("AEEH_6A11", "enfants de 6 à 11 ans", "of", "NB_enfant_AEEH", 0.38),
    m("AEEH_12A15", "enfants de 12 à 15 ans", "of", "NB_enfant_AEEH", 0.27),
    m("AEEH_16A17", "enfants de 16 à 17 ans", "of", "NB_enfant_AEEH", 0.12),
    m("AEEH_18A20", "enfants de 18 à 20 ans", "of", "NB_enfant_AEEH", 0.08),
)
ARS = (
    m("NB_enfant_ARS", "enfants ouvrant droit à l'ARS", "frac", 0.45),
    m("ARS_5A10", "enfants de 5 à 10 ans", "of", "NB_enfant_ARS", 0.45),
    m("ARS_11A14", "enfants de 11 à 14 ans", "of", "NB_enfant_ARS", 0.33),
    m("ARS_15A17", "enfants de 15 à 17 ans", "of", "NB_enfant_ARS", 0.22),
)
EJ = (
    m("ALL_AF", "foyers percevant les allocations familiales", "frac", 0.38),
    m("ALL_CF", "foyers percevant le complément familial", "frac", 0.07),
    m("ALL_ARS", "foyers percevant l'allocation de rentrée scolaire", "frac", 0.25),
    m("ALL_ASF", "foyers percevant l'allocation de soutien familial", "frac", 0.06),
    m("ALL_AEEH", "foyers percevant l'AEEH", "frac", 0.02),
)
NIV = (
    m("NB_Pers_par_Foyer_Alloc", "personnes couvertes par la branche Famille", "base", 2.5),
    m("NB_Enfants", "enfants couverts", "frac", 1.1),
    m("NB_Enfants_0_2_ans", "enfants de 0 à 2 ans", "of", "NB_Enfants", 0.15),
    m("NB_Enfants_3_5_ans", "enfants de 3 à 5 ans", "of", "NB_Enfants", 0.15),
)
FAMILLE = tuple(
    m(name, label, "frac", share) for name, label, share in (
        ("COUP_0_ENF", "couples sans enfant", 0.08), ("COUP_1_ENF", "couples avec un enfant", 0.12),
        ("COUP_2_ENF", "couples avec deux enfants", 0.16), ("COUP_3_ENF", "couples avec trois enfants", 0.07),
        ("COUP_4plus_ENF", "couples avec quatre enfants ou plus", 0.03),
        ("Homme_Isole", "hommes isolés", 0.17), ("Femme_Isolee", "femmes isolées", 0.16),
        ("MONO_1_ENF", "familles monoparentales avec un enfant", 0.11),
        ("MONO_2_ENF", "familles monoparentales avec deux enfants", 0.07),
        ("MONO_3_ENF", "familles monoparentales avec trois enfants", 0.025),
        ("MONO_4plus_ENF", "familles monoparentales avec quatre enfants ou plus", 0.01),
    )
)
AGE = (m("NB_allocataires", "nombre total de foyers allocataires", "base", 1),) + tuple(
    m(name, f"responsables de dossier {label}", "frac", share) for name, label, share in (
        ("ALL0A19", "de moins de 20 ans", 0.01), ("ALL20A24", "de 20 à 24 ans", 0.1),
        ("ALL25A29", "de 25 à 29 ans", 0.13), ("ALL30A39", "de 30 à 39 ans", 0.27),
        ("ALL40A49", "de 40 à 49 ans", 0.24), ("ALL50A54", "de 50 à 54 ans", 0.08),
        ("ALL55A59", "de 55 à 59 ans", 0.06), ("ALL60A64", "de 60 à 64 ans", 0.05),
        ("ALL65A69", "de 65 à 69 ans", 0.03), ("ALL70AX", "de 70 ans ou plus", 0.03),
        ("ALLAGEX", "d'âge inconnu", 0.001),
    )
)
ENFANTS = (m("NB_enfants", "enfants couverts par au moins une prestation", "base", 1.6),) + tuple(
    m(f"NB_Enfants_{band}_ans", f"enfants de {band.replace('_', ' à ')} ans", "of", "NB_enfants", share)
    for band, share in (("0_2", 0.15), ("3_5", 0.15), ("6_11", 0.3), ("12_15", 0.2), ("16_17", 0.09),
                        ("18_19", 0.07), ("20_24", 0.04))
)
DEPENDANCE = (
    ALLOC,
    m("TR50PFRB", "foyers dont les ressources sont constituées à 50 % ou plus de prestations", "frac", 0.24),
    m("TR100PFRB", "foyers dont les ressources sont constituées à 100 % de prestations", "frac", 0.11),
)
BAS_REVENUS = (
    m("NB_allocataires_ress", "foyers allocataires de référence", "frac", 0.8),
    m("NB_pers_couv_ress", "personnes couvertes de référence", "of", "NB_allocataires_ress", 2.4),
    m("ALL_bas_revenu", "foyers allocataires à bas revenus", "of", "NB_allocataires_ress", 0.33),
    m("Pers_bas_revenu", "personnes couvertes par des foyers à bas revenus", "of", "NB_pers_couv_ress", 0.3),
)
PPA = (
    ALLOC,
    m("ALL_PPA", "foyers ayant un droit versable à la prime d'activité", "frac", 0.22),
    m("PPA_majoree", "foyers percevant une prime d'activité majorée", "of", "ALL_PPA", 0.06),
    m("PPA_non_majoree", "foyers percevant une prime d'activité non majorée", "of", "ALL_PPA", 0.94),
    m("PPA_jeune", "foyers dont le responsable a moins de 25 ans", "of", "ALL_PPA", 0.16),
)


def one(name: str, label: str, share: float) -> tuple[Measure, ...]:
    return (ALLOC, m(name, label, "frac", share))


RSA_TEXT = ("Le revenu de solidarité active (RSA) assure aux personnes sans ressources un niveau minimum de "
            "revenu, variable selon la composition du foyer. Le RSA socle majoré concerne les parents isolés.")
LOG_TEXT = ("Les aides personnelles au logement (allocation de logement familiale ALF, allocation de logement "
            "sociale ALS, aide personnalisée au logement APL) réduisent le loyer ou la mensualité d'emprunt.")
PAJE_TEXT = ("La prestation d'accueil du jeune enfant (Paje) comprend la prime à la naissance ou à l'adoption, "
             "l'allocation de base, le complément de libre choix du mode de garde (CMG) et la PreParE.")
AAH_TEXT = ("L'allocation aux adultes handicapés (AAH) garantit un minimum de ressources aux personnes "
            "handicapées ; elle est versée par la Caf sur décision de la CDAPH.")
AEEH_TEXT = ("L'allocation d'éducation de l'enfant handicapé (AEEH) aide à faire face aux frais d'éducation et "
             "de soins d'un enfant handicapé de moins de 20 ans.")
ARS_TEXT = ("L'allocation de rentrée scolaire (ARS) aide les familles, sous condition de ressources, à financer "
            "les dépenses de la rentrée des enfants scolarisés de 6 à 18 ans.")
FAMILY_TEXT = ("Les prestations d'entretien : allocations familiales (AF), complément familial (CF), allocation "
               "de soutien familial (ASF), allocation de rentrée scolaire (ARS) et AEEH.")
ALL_TEXT = ("Un foyer allocataire comprend l'allocataire, son conjoint, les enfants et autres personnes à "
            "charge ; il perçoit au moins une prestation versée par la Caf au titre du mois de décembre.")
PPA_TEXT = ("La prime d'activité complète les revenus d'activité des travailleurs modestes ; elle remplace "
            "depuis 2016 le RSA activité et la prime pour l'emploi.")
RES_TEXT = ("Les ressources du foyer sont celles connues de la Caf ; la population de référence exclut les "
            "étudiants ne percevant qu'une aide au logement, les 65 ans ou plus et les régimes spéciaux.")
EAJE_TEXT = ("Les établissements d'accueil du jeune enfant (crèches collectives, multi-accueil, micro-crèches) "
             "financés par la prestation de service unique (PSU) de la Caf.")
CMG_TEXT = ("Le complément de libre choix du mode de garde (CMG) prend en charge une partie du coût de la garde "
            "par une assistante maternelle, une garde à domicile ou une structure.")
QUALITY_TEXT = ("Indicateurs de qualité de service suivis par chaque Caf dans le cadre de la convention "
                "d'objectifs et de gestion signée avec l'Etat.")
