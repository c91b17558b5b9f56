"""Descriptions written in Markdown, rendered as CKAN renders them, and their plain-text excerpts.

CKAN's `h.render_markdown` turns a dataset's notes (and a resource's, organization's or group's description)
into HTML with python-markdown, then keeps only a short list of tags with bleach. Here CommonMark
(markdown-it-py) renders and nh3 (the Rust ammonia sanitiser; bleach is deprecated) keeps CKAN's tag list:
raw HTML in the text goes through the sanitiser, which keeps only those tags, so no script, no event
attribute and no `javascript:` link gets through whichever way it is written. Bare web and mail addresses
become links, as CKAN's auto_link makes them. Links get rel="nofollow ugc noopener" (user content).
Images are kept only when MOISSON_MARKDOWN_IMAGES is on (CKAN keeps them; here they are off by default
because a remote image tells a third party who reads the page), otherwise an image becomes its alternative text.

`excerpt` is what result lists show: the text without its Markdown, cut at a word boundary.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

import nh3
from flask import current_app
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markupsafe import Markup

EXCERPT_CHARS = 180
# CKAN's MARKDOWN_TAGS (ckan/lib/helpers.py) and bleach's ALLOWED_TAGS, which it extends.
TAGS = {"a", "abbr", "acronym", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strike", "strong", "sub", "sup", "ul",
        "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "acronym": {"title"}, "img": {"src", "alt", "title"},
              "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "ftp"}
LINK_REL = "nofollow ugc noopener"


@cache
def _renderer(images: bool) -> MarkdownIt:
    # "js-default": CommonMark with tables and strikethrough; links are checked by the renderer's own
    # validateLink (no javascript:, vbscript:, file:, data: other than images). Raw HTML is let through to
    # nh3, which keeps the allowed tags and drops the rest (a <script> with its content), as CKAN strips tags.
    # Bare addresses become links (CKAN's auto_link), through linkify-it-py.
    md = MarkdownIt("js-default", {"html": True, "linkify": True, "typographer": False, "breaks": False})
    md.enable("linkify")
    if not images:
        md.add_render_rule("image", _image_as_text)
    return md


def _image_as_text(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """An image shown as its alternative text when images are off."""
    token = tokens[idx]
    return escape_html(self.renderInlineAsText(token.children or [], options, env))


WORD_BREAKS = re.compile(r"<(?:br|hr)\b[^>]*>|</?(?:p|div|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|table|thead|tbody|tr|td|th"
                         r"|caption|section|article|header|footer|aside|nav|figure|figcaption|details|summary)\b[^>]*>",
                         re.IGNORECASE)


def render(text: str | None, *, images: bool = False) -> str:
    """Sanitised HTML for a Markdown text ("" for none)."""
    source = (text or "").strip()
    if not source:
        return ""
    rendered = _renderer(images).render(source)
    tags = TAGS | {"img"} if images else TAGS
    return nh3.clean(rendered, tags=tags, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL,
                     strip_comments=True)


def plain(text: str | None) -> str:
    """The words of a Markdown text, without its markup, on one line."""
    source = (text or "").strip()
    if not source:
        return ""
    rendered = _renderer(False).render(source)
    # A line break or a block written as HTML separates words ("Bonjour<br>Monde"): a space before each, or
    # stripping the tags would glue them.
    rendered = WORD_BREAKS.sub(r" \g<0>", rendered)
    words = nh3.clean(rendered, tags=set(), attributes={}, strip_comments=True)
    # nh3 leaves the text HTML-escaped; the excerpt is escaped again by Jinja.
    return " ".join(html.unescape(words).split())


def excerpt(text: str | None, length: int = EXCERPT_CHARS) -> str:
    """The plain text, cut at the last word boundary before `length` characters, with an ellipsis if cut."""
    words = plain(text)
    if len(words) <= length:
        return words
    cut = words[: length + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > length // 2 else words[:length]
    return re.sub(r"[\s,;:.\-–—(]+$", "", cut) + "…"


def _images_allowed() -> bool:
    moisson: Any = current_app.extensions.get("moisson")
    return bool(getattr(getattr(moisson, "settings", None), "markdown_images", False))


def markdown_filter(text: str | None) -> Markup:
    """Jinja filter `markdown`: the sanitised HTML, marked safe."""
    return Markup(render(text, images=_images_allowed()))


def init_app_filters(env: Any) -> None:
    env.filters["markdown"] = markdown_filter
    env.filters["excerpt"] = excerpt
