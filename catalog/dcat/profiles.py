"""The DCAT-AP 3 / 2.1.1 switch: the few places where the two application profiles disagree."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from catalog.dcat.vocab import DCAT, OWL, SPDX, SPDX_HTTPS, XSD


@dataclass(frozen=True)
class Profile:
    name: str
    uri: URIRef
    version_predicate: URIRef
    # 2.1.1 wants xsd:decimal, 3.0.1 xsd:nonNegativeInteger: no literal satisfies both.
    byte_size_datatype: URIRef
    # 2.1.1 only accepts sha1 checksums; 3.0.1 wants the algorithm IRI spelled with https.
    checksum_algorithms: frozenset[str]
    checksum_namespace: str


DCAT_AP_3 = Profile(
    name="dcat_ap_3",
    uri=URIRef("http://data.europa.eu/r5r/"),
    version_predicate=URIRef(str(DCAT) + "version"),  # DCAT 3 term, unknown to rdflib's DCAT namespace
    byte_size_datatype=XSD.nonNegativeInteger,
    checksum_algorithms=frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"}),
    checksum_namespace=str(SPDX_HTTPS),
)
DCAT_AP_2 = Profile(
    name="dcat_ap_2",
    uri=URIRef("http://data.europa.eu/r5r/dcat-ap_2.1.1"),
    version_predicate=OWL.versionInfo,
    byte_size_datatype=XSD.decimal,
    checksum_algorithms=frozenset({"sha1"}),
    checksum_namespace=str(SPDX),
)
DEFAULT_PROFILE = DCAT_AP_3
# ckanext-dcat's profile names are accepted too, so its users' harvester configs keep working.
PROFILES = {
    "dcat_ap_3": DCAT_AP_3, "euro_dcat_ap_3": DCAT_AP_3, "dcat-ap-3": DCAT_AP_3, "dcat_ap_3.0.1": DCAT_AP_3,
    "dcat_ap_2": DCAT_AP_2, "euro_dcat_ap_2": DCAT_AP_2, "dcat-ap-2": DCAT_AP_2, "dcat_ap_2.1.1": DCAT_AP_2,
}


def profile_named(value: str | None) -> Profile | None:
    """The profile for a `?profiles=` value (comma list: the first known name wins); None if unknown."""
    if not value:
        return DEFAULT_PROFILE
    for name in value.split(","):
        profile = PROFILES.get(name.strip().lower())
        if profile is not None:
            return profile
    return None
