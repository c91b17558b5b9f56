"""What a browser sends for a form left as the server rendered it (no script): its fields' names and values."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from werkzeug.datastructures import MultiDict


class _Form(HTMLParser):
    def __init__(self, form_class: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self.select: dict[str, Any] | None = None
        self.option: dict[str, Any] | None = None
        self.textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and (
                self.form_class is None or self.form_class in a.get("class", "").split()):
            self.in_form = True
        elif not self.in_form:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):  # a one-line input's value loses its line breaks
                self.fields.append((a["name"], a.get("value", "").replace("\r", "").replace("\n", "")))
        elif tag == "select":
            self.select = {"name": a.get("name"), "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea":
            self.textarea = {"name": a.get("name"), "text": ""}

    def handle_data(self, data: str) -> None:
        for open_element in (self.textarea, self.option):
            if open_element is not None:
                open_element["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            for option in [o for o in options if o["selected"]] or options[:1]:
                self.fields.append((self.select["name"], option["value"] if option["value"] is not None
                                    else option["text"]))
            self.select = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"].replace("\r\n", "\n")
            self.fields.append((self.textarea["name"], text[1:] if text.startswith("\n") else text))
            self.textarea = None


def unchanged(page: str, form_class: str | None = None) -> MultiDict:
    """The fields of the page's post form (the first one, or the one with this class) as a browser posts them."""
    parser = _Form(form_class)
    parser.feed(page)
    return MultiDict(parser.fields)
