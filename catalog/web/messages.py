"""The actions' validation messages are CKAN's, in English on the wire (API clients match on them);
the portal shows the common ones in the visitor's language, and any other one as it came."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

EXACT = {
    "Missing value": _l("This field is required."),
    "Must not contain NUL (U+0000) characters": _l("Must not contain a NUL character (U+0000)."),
    "That URL is already in use.": _l("That address is already used by another dataset."),
    "Group name already exists in database": _l("That address is already used."),
    "That name cannot be used": _l("That name cannot be used."),
    "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_":
        _l("Use lower-case letters, digits, - and _ only."),
    "Must be at least 2 characters long": _l("At least 2 characters."),
    "Name must be a maximum of 100 characters long": _l("At most 100 characters."),
    "Version must be a maximum of 100 characters long": _l("At most 100 characters."),
    "Date format incorrect": _l("This date is not valid."),
    "An organization must be provided": _l("Choose an organization."),
    "Organization does not exist": _l("This organization does not exist."),
    "You cannot add a dataset to this organization": _l("You cannot add a dataset to this organization."),
    "Datasets with no organization can't be private.": _l("A dataset without an organization cannot be private."),
    "File upload too large": _l("The file is too large."),
    "There is a schema field with the same name": _l("This name is a field of every dataset: choose another name."),
    "Not found: User": _l("There is no user with this name."),
    "role does not exist.": _l("Choose a capacity."),
    # The review actions' conflicts (catalog/review/actions.py, catalog/dataset/held.py).
    "This dataset has changes awaiting review by another author: ask them or a reviewer of the organization to "
    "finish that review first.": _l("This dataset has changes awaiting review by someone else: ask them or a "
                                    "reviewer of the organization to finish that review first."),
    "This dataset has changes awaiting review: approve, reject or discard them (review_approve, review_reject, "
    "review_withdraw with discard) before changing the published version.":
        _l("This dataset has changes awaiting review: approve them, request changes or discard them before changing "
           "the published version."),
    "This review is already submitted and waiting for a reviewer.":
        _l("This review is already submitted and waiting for a reviewer."),
    "The changes were edited after you read them: read the review again before approving.":
        _l("The changes were edited after you read them: read the review again before approving."),
    "A new dataset's draft cannot be discarded: delete the dataset (package_delete).":
        _l("A new dataset's draft cannot be discarded: delete the dataset instead."),
}
EMAIL = re.compile(r"^Email (?P<value>.*) is not a valid format$")


def translate_error(message: str) -> str:
    known = EXACT.get(message)
    if known is not None:
        return str(known)
    match = EMAIL.match(message)
    if match:
        return _("%(value)s is not a valid email address.", value=match["value"])
    return message
