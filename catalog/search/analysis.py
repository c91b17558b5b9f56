"""One text analyzer for both backends: unaccent, lowercase, split, stem (French then English).

FTS5 has no French stemmer, and PostgreSQL's snowball configs each stem one language; doing it here
means "allocataire" finds "Allocataires" and "logement" finds "Logements" identically on both databases.
Each word gets exactly one stem (English applied to the French stem) so phrase positions stay intact.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_FRENCH = snowballstemmer.stemmer("french")
_ENGLISH = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")
# PostgreSQL refuses a lexeme over 2,047 bytes (in a tsvector or a tsquery: a 500 on package_create, and on any
# search with such a word). Words are cut at 255 characters, Lucene's StandardTokenizer maxTokenLength, and field
# keys at 200, so a fielded token "<key>:<word>" (ASCII after unaccent) stays far below it on both databases.
MAX_WORD = 255
MAX_FIELD_KEY = 200
# Ligatures and letters NFKD does not decompose into base + accent.
_FOLD = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "’": "'"})


def unaccent(text: str) -> str:
    """Lowercase ASCII-ish form: accents stripped, ligatures expanded."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """French then English snowball stem of an already unaccented lowercase word."""
    if word.isdigit() or len(word) < 3:
        return word
    if any(ch.isdigit() for ch in word):
        # Ids and codes (uuid parts, hashes) rarely come twice: caching them would only fill the cache,
        # and the memory of a long harvest would grow with every dataset.
        return _snowball(word)
    return _cached_stem(word)


@lru_cache(maxsize=200_000)
def _cached_stem(word: str) -> str:
    return _snowball(word)


def _snowball(word: str) -> str:
    return _ENGLISH.stemWord(_FRENCH.stemWord(word))


def words(text: str) -> list[str]:
    """Unaccented lowercase words, unstemmed (for prefix queries); a word longer than MAX_WORD is cut into
    pieces of that length, in the index and in queries alike, so it still finds itself."""
    found = _WORD.findall(unaccent(text))
    if any(len(word) > MAX_WORD for word in found):
        found = [word[i:i + MAX_WORD] for word in found for i in range(0, len(word), MAX_WORD)]
    return found


def tokens(text: str | None) -> list[str]:
    """The stemmed token stream of a text, in order."""
    if not text:
        return []
    return [stem(w) for w in words(text)]


def field_key(name: str) -> str:
    """The key of a fielded text token: CKAN strips extras keys to [A-Za-z0-9_-]; we also lowercase (and cut
    it to MAX_FIELD_KEY, so "<key>:<word>" stays a lexeme PostgreSQL accepts)."""
    return re.sub(r"[^a-z0-9_-]", "", name.lower())[:MAX_FIELD_KEY]


# Endings snowball strips (French and English), used to complete a prefix into words it may start.
_ENDINGS = (
    "e", "es", "s", "x", "ement", "ements", "ment", "ments", "ation", "ations", "ateur", "ateurs", "atrice",
    "er", "ers", "eur", "eurs", "euse", "euses", "ique", "iques", "ite", "ites", "aire", "aires", "ion", "ions",
    "al", "ale", "ales", "aux", "if", "ive", "ives", "ifs", "ant", "ante", "ants", "ance", "ances", "ence",
    "ences", "isme", "iste", "istes", "able", "ables", "ing", "ings", "ed", "ly", "ness", "ies", "ity", "ical",
    "ics", "ied", "ful", "ous", "ize", "ized", "ise", "ised",
)


@lru_cache(maxsize=10_000)
def stem_prefixes(prefix: str) -> tuple[str, ...]:
    """Stems shorter than `prefix` that words starting with it are indexed under ("logem*" must find
    "logement", indexed as "log"): complete the prefix with common endings and stem the results."""
    found = {stem(prefix)} - {prefix}
    for ending in _ENDINGS:
        for cut in range(len(ending)):
            if prefix.endswith(ending[:cut]) and len(ending) - cut > 1:
                stemmed = stem(prefix + ending[cut:])
                found.add(stemmed)
    return tuple(sorted(s for s in found if not s.startswith(prefix) and len(s) >= 3))
