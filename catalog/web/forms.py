"""Flask-WTF forms of the portal. Validation proper is the actions' (their ValidationError is mapped back
onto these fields by admin.py); the forms only check what a browser can get wrong before sending."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from catalog.dcat import geometry

SLUG_HELP = _l("Lower-case letters, digits, - and _ only, 2 to 100 characters; used in the address.")


class LoginForm(FlaskForm):
    username = StringField(_l("Username or email"), validators=[DataRequired()],
                           render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class LogoutForm(FlaskForm):
    """Logging out is a POST with a CSRF token, so another site cannot log a visitor out."""


def geojson_geometry(form: FlaskForm, field: TextAreaField) -> None:
    """The `spatial` extra must be a geometry consumers can map (ckanext-spatial refuses anything else too);
    WKT is accepted as well, as harvested records may hold it."""
    text = (field.data or "").strip()
    if not text:
        return
    try:
        geometry.parse(text)
    except geometry.GeometryError as error:
        raise ValidationError(_("Not a GeoJSON geometry: %(reason)s", reason=str(error))) from None


# ISO 8601 as DCAT sources give a coverage's bounds: xsd:gYear, xsd:gYearMonth, xsd:date or xsd:dateTime.
TEMPORAL_SHAPE = r"\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+\-]\d{2}:?\d{2})?)?)?)?"


def temporal_bound(form: FlaskForm, field: StringField) -> None:
    """A year, a month, a day or a date and time that exists (2019, 2019-06, 2019-06-30, 2019-06-30T18:00:00+02:00)."""
    text = (field.data or "").strip()
    if not text:
        return
    try:
        if re.fullmatch(TEMPORAL_SHAPE, text):
            if len(text) == 4:
                return
            if len(text) == 7:
                date.fromisoformat(text + "-01")
                return
            datetime.fromisoformat(text)
            return
    except ValueError:
        pass
    raise ValidationError(_("Enter a year, a month or a date that exists, e.g. 2019, 2019-06 or 2019-06-30."))


class OrganizationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    name = StringField(_l("Name (address)"), validators=[DataRequired(), Length(min=2, max=100)],
                       description=SLUG_HELP)
    description = TextAreaField(_l("Description"), validators=[Optional()])
    image_url = StringField(_l("Image URL"), validators=[Optional(), URL()])
    review_required = BooleanField(_l("Review required before publication"),
                                   description=_l("Datasets and changes by editors wait for a reviewer or an "
                                                  "administrator of the organization before they are public."))


COMMENT_MAX = 5000


class ReviewForm(FlaskForm):
    """Submit, approve, request changes, withdraw: one comment box; whether it is required is the action's
    (review_reject), checked again here so the message is in the page's language."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX)])
    discard = BooleanField(_l("Discard the changes (the published version stays as it is)"))
    # The round's `modified` the page showed: approving changes edited since is refused (review_approve).
    modified = HiddenField()


# Capacities offered on the members page, highest first (catalog/authz.py ROLE_RANK).
CAPACITIES = (("admin", _l("Administrator")), ("reviewer", _l("Reviewer")), ("editor", _l("Editor")),
              ("member", _l("Member")))


class MemberForm(FlaskForm):
    username = StringField(_l("User name or e-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Capacity"), choices=CAPACITIES, validators=[DataRequired()], default="member")


class MemberRoleForm(FlaskForm):
    """Change one member's capacity, or remove them (the `remove` button): the username is the row's."""

    username = StringField(validators=[DataRequired()])
    role = SelectField(_l("Capacity"), choices=CAPACITIES, validate_choice=False)  # not sent by "remove"


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (languages, groups), rendered in a fieldset by the template."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExtraRow(Form):
    """One custom extra of the dataset form (a plain Form: the dataset form's CSRF token covers it)."""

    key = StringField(_l("Key"), validators=[Optional(), Length(max=100)])
    value = StringField(_l("Value"), validators=[Optional()])


TEMPORAL_HELP = _l("A year, a month or a day, e.g. 2019, 2019-06 or 2019-06-30 (or a date and time).")
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
EMPTY_EXTRA_ROWS = 3  # custom extra rows offered without JavaScript (the "add a row" button adds more)


class DatasetForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    name = StringField(_l("Name (address)"), validators=[DataRequired(), Length(min=2, max=100)],
                       description=SLUG_HELP)
    notes = TextAreaField(_l("Description"), validators=[Optional()])
    owner_org = SelectField(_l("Organization"), validators=[DataRequired()], choices=[])
    private = BooleanField(_l("Private (only members of the organization can see it)"))
    license_id = SelectField(_l("Licence"), choices=[], validators=[Optional()])
    tags = StringField(_l("Tags"), validators=[Optional()], description=_l("Separated by commas."))
    url = StringField(_l("Source"), validators=[Optional(), URL()])
    version = StringField(_l("Version"), validators=[Optional(), Length(max=100)])
    author = StringField(_l("Author"), validators=[Optional()])
    maintainer = StringField(_l("Maintainer"), validators=[Optional()])
    maintainer_email = EmailField(_l("Maintainer email"), validators=[Optional()])
    # Text, not a date picker: a harvested year, month or date and time is shown and kept as it is.
    temporal_start = StringField(_l("Temporal coverage: start"), validators=[Optional(), temporal_bound],
                                 description=TEMPORAL_HELP, render_kw={"pattern": TEMPORAL_SHAPE})
    temporal_end = StringField(_l("Temporal coverage: end"), validators=[Optional(), temporal_bound],
                               description=TEMPORAL_HELP, render_kw={"pattern": TEMPORAL_SHAPE})
    spatial_text = StringField(_l("Geographic coverage"), validators=[Optional()],
                               description=_l("A place name, e.g. France or Gironde."))
    spatial_place = SelectField(_l("Place on the map"), choices=[], validators=[Optional()],
                                description=_l("A coarse outline of the place, which replaces the geometry "
                                               "below (and names the coverage when the name is empty)."))
    spatial = TextAreaField(_l("Coverage geometry (GeoJSON)"), validators=[Optional(), geojson_geometry],
                            description=_l('A GeoJSON geometry, longitude first, e.g. '
                                           '{"type": "Point", "coordinates": [2.35, 48.85]}.'))
    # The extras Moisson knows (catalog/web/labels.py names them; the DCAT export reads the same keys).
    frequency = SelectField(_l("Update frequency"), choices=[], validators=[Optional()],
                            invalid_choice_message=_l("Choose a frequency from the list."))
    language = CheckboxesField(_l("Language"), choices=[], validators=[Optional()],
                               invalid_choice_message=_l("Choose languages from the list."))
    contact_name = StringField(_l("Contact name"), validators=[Optional(), Length(max=200)],
                               description=_l("A service rather than a person, e.g. Open data team."))
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=254), Regexp(
        EMAIL_SHAPE, message=_l("Enter an email address, e.g. opendata@example.org."))])
    groups = CheckboxesField(_l("Groups"), choices=[], validators=[Optional()], invalid_choice_message=_l(
        "You can add a dataset only to the groups you are a member of."))
    extras = FieldList(FormField(ExtraRow), min_entries=EMPTY_EXTRA_ROWS)


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    format = StringField(_l("Format"), validators=[Optional(), Length(max=100)],
                         description=_l("Guessed from the file when left empty, e.g. CSV."))
    upload = FileField(_l("File to upload"))
    url = StringField(_l("Or a link to the file"), validators=[Optional(), URL()])


class DeleteForm(FlaskForm):
    """The confirmation of a deletion (catalog/web/delete.py); `purge` is offered to sysadmins only."""

    purge = BooleanField(_l("Purge: remove it for good, without a way back"))


# User pages, API tokens, sysadmin pages (catalog/web/users.py, catalog/web/sysadmin.py) ---------------------


class UserEditForm(FlaskForm):
    """A user's own account page (or a sysadmin's edit of it): user_patch's fields. Changing the e-mail or the
    password asks for the current password of whoever is logged in, as CKAN's form does."""

    fullname = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    name = StringField(_l("Username"), validators=[DataRequired(), Length(min=2, max=100)], description=SLUG_HELP)
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    about = TextAreaField(_l("About"), validators=[Optional(), Length(max=5000)],
                          description=_l("A few words about you, shown on your profile (Markdown)."))
    password = PasswordField(_l("New password"), validators=[Optional(), Length(min=8)],
                             description=_l("At least 8 characters; leave empty to keep the current one."),
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(_l("Confirm the new password"), validators=[Optional()],
                                     render_kw={"autocomplete": "new-password"})
    old_password = PasswordField(_l("Your current password"), validators=[Optional()],
                                 description=_l("Needed to change the email address or the password."),
                                 render_kw={"autocomplete": "current-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("To recognise it later, e.g. the script or computer that uses it."))


class SiteConfigForm(FlaskForm):
    """/ckan-admin/config: config_option_update's options (catalog/site/options.py)."""

    site_title = StringField(_l("Site title"), validators=[Optional(), Length(max=100)],
                             description=_l("Shown in the header and the title of every page; empty: the default."))
    site_description = TextAreaField(_l("Site description"), validators=[Optional(), Length(max=1000)],
                                     description=_l("A sentence or two shown on the home page."))
    site_logo = StringField(_l("Logo"), validators=[Optional(), Length(max=500)],
                            description=_l("An http(s) address of an image, or a path on this site starting with /; "
                                           "empty: the title alone."))
    default_license_id = SelectField(_l("Default licence"), choices=[], validators=[Optional()],
                                     description=_l("The licence the dataset form offers first."))


# Harvest sources (catalog/web/harvest.py) ------------------------------------------------------------------

HARVEST_TYPES = (("ckan", _l("CKAN (its Action API)")), ("dcat_rdf", _l("DCAT (RDF: Turtle, RDF/XML, JSON-LD)")),
                 ("dcat_json", _l("DCAT-US (data.json)")))
HARVEST_FREQUENCIES = (("MANUAL", _l("Manual (run it yourself)")), ("HOURLY", _l("Every hour")),
                       ("DAILY", _l("Every day")), ("WEEKLY", _l("Every week")),
                       ("BIWEEKLY", _l("Every two weeks")), ("MONTHLY", _l("Every month")))


def json_object(form: FlaskForm, field: TextAreaField) -> None:
    """The source's configuration must be a JSON object; say where the text is wrong (the action then checks
    it against the backend's schema, schemas/harvest/)."""
    import json

    text = (field.data or "").strip()
    if not text:
        return
    try:
        value = json.loads(text)
    except ValueError as error:
        line, column = getattr(error, "lineno", None), getattr(error, "colno", None)
        raise ValidationError(_("This is not valid JSON (line %(line)s, column %(column)s): %(reason)s",
                                line=line, column=column, reason=getattr(error, "msg", str(error)))) from None
    if not isinstance(value, dict):
        raise ValidationError(_('The configuration must be a JSON object, between braces: {"rows": 100}.'))


class HarvestSourceForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    name = StringField(_l("Name (address)"), validators=[DataRequired(), Length(min=2, max=100)],
                       description=SLUG_HELP)
    url = StringField(_l("Address of the remote catalog"), validators=[DataRequired(), URL(require_tld=False)],
                      description=_l("A CKAN site's root, a DCAT RDF document or a data.json document."))
    source_type = SelectField(_l("Type"), choices=HARVEST_TYPES, validators=[DataRequired()])
    owner_org = SelectField(_l("Organization"), choices=[], validators=[DataRequired()],
                            description=_l("The harvested datasets belong to it; its administrators manage the source."))
    frequency = SelectField(_l("Frequency"), choices=HARVEST_FREQUENCIES, default="MANUAL")
    notes = TextAreaField(_l("Description"), validators=[Optional()])
    review = BooleanField(_l("Hold what this source brings for review"),
                          description=_l("New datasets and changes of published ones wait for a reviewer of the "
                                         "organization."))
    config = TextAreaField(_l("Configuration (JSON)"), validators=[Optional(), json_object],
                           description=_l('Optional, a JSON object, e.g. {"rows": 100, "deletion_threshold": 0.1}.'))
    active = BooleanField(_l("Active (runs at its frequency and on demand)"), default=True)


class HarvestValidateForm(FlaskForm):
    """A sysadmin accepts or refuses a source (harvest_source_validate)."""

    state = SelectField(_l("Decision"), choices=(("accepted", _l("Accept")), ("refused", _l("Refuse"))))
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX)],
                            description=_l("Shown to the source's administrators."))


class HarvestConfirmForm(FlaskForm):
    """Clear or delete a source: a confirmation page with this form (and, for delete, whether to clear too)."""

    clear = BooleanField(_l("Also withdraw its datasets and remove its history"))
