"""CKAN Action API source: package_search pages sorted by id, incremental by metadata_modified, with a
package_list + package_show fallback for remotes without search (reference/ckan-api.md §5.4, §6.2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from catalog.dcat.languages import dump, translations
from harvest.backends.base import GatherError, Page, RemoteRecord, SourceInfo, config_salt, content_hash
from harvest.fetch import Fetcher, FetchError

PACKAGE_FIELDS = (
    "name", "title", "notes", "author", "author_email", "maintainer", "maintainer_email",
    "license_id", "url", "version",
)
RESOURCE_FIELDS = (
    "url", "name", "description", "format", "mimetype", "mimetype_inner", "size", "hash", "resource_type",
)
# Incremental window overlap: remote clocks and in-flight writes (ckanext-harvest uses one hour).
INCREMENTAL_MARGIN = timedelta(hours=1)
# CKAN's default ceiling for package_search rows (ckan.search.rows_max).
ID_LISTING_ROWS = 1000


class CkanBackend:
    name = "ckan"
    title = "CKAN Action API"

    def __init__(self, source: SourceInfo, fetcher: Fetcher, since: datetime | None = None) -> None:
        self.source = source
        self.config = source.config
        self.fetcher = fetcher
        self.since = since
        self.base = source.url.rstrip("/")
        self.rows = max(1, min(int(self.config.get("rows", 100)), 1000))
        self.salt = config_salt(self.config)
        self._names: list[str] | None = None
        self._previous_ids: list[str] | None = None

    # -- listing -----------------------------------------------------------------------------------------
    def first_cursor(self) -> dict[str, Any]:
        return {"mode": "search", "start": 0}

    def fetch_page(self, cursor: dict[str, Any]) -> Page:
        if cursor.get("mode") == "list":
            return self._list_page(int(cursor["offset"]))
        start = int(cursor["start"])
        try:
            result = self._action("package_search", self._search_params(start))
        except FetchError:
            if start != 0:
                raise
            if not self._search_answered():
                # No usable package_search on the remote: list names, then show each dataset.
                return self._list_page(0)
            if not self._drop_window():
                raise
            # The incremental filter was refused: list everything (the job stays non-deleting).
            return self.fetch_page(cursor)
        results = result.get("results")
        if not isinstance(results, list):
            raise GatherError(f"package_search result has no results list at start={start}")
        ids = [r.get("id") for r in results if isinstance(r, dict)]
        if results and ids == self._previous_ids:
            raise GatherError("Remote paging doesn't seem to work: two consecutive pages are identical", kind="paging_loop")
        self._previous_ids = ids
        total = result.get("count") if isinstance(result.get("count"), int) else None
        records = [self._record(r) if _has_id(r) else _unreadable(_position_name(r, start + i), r, "package_search result")
                   for i, r in enumerate(results)]
        done = not results or (total is not None and start + len(results) >= total)
        return Page(records, None if done else {"mode": "search", "start": start + len(results)}, total)

    def page_cursors(self) -> list[dict[str, Any]]:
        """Every page's cursor up front, so queue workers can fetch pages in parallel. A remote that refuses the
        incremental filter is planned with its full listing, as fetch_page falls back on a first page."""
        try:
            total = self._count()
        except FetchError:
            if not self._drop_window():
                raise
            total = self._count()
        if not isinstance(total, int):
            raise GatherError("package_search did not return a count")
        return [{"mode": "search", "start": start} for start in range(0, total, self.rows)] or [
            {"mode": "search", "start": 0}
        ]

    def _count(self) -> Any:
        return self._action("package_search", {**self._search_params(0), "rows": 0}).get("count")

    def _drop_window(self) -> bool:
        """After the remote refused a request with this run's incremental window: read the full listing instead
        (`since` becomes None, and the runner or the queue records the fallback on the job). False when there
        was no window to drop, so the refusal is the error."""
        if self.since is None:
            return False
        self.since = None
        return True

    def remote_ids(self) -> set[str] | None:
        """Every remote dataset id the source lists (its filters, no incremental window), read cheaply with
        `fl=id`: an incremental run learns from it what was removed upstream. None when the remote has no
        package_search (package_list gives names, not the ids records are known by). A listing that ends
        before the announced count (a page lost, datasets shifting during the walk) is a GatherError."""
        ids: set[str] = set()
        start, total = 0, None
        while total is None or start < total:
            params = {**self._search_params(start, incremental=False), "rows": ID_LISTING_ROWS, "fl": "id"}
            try:
                result = self._action("package_search", params)
            except FetchError:
                if start == 0 and not self._search_answered():
                    return None
                raise
            results, total = result.get("results"), result.get("count")
            if not isinstance(results, list) or not isinstance(total, int):
                raise GatherError(f"package_search (fl=id) returned no results list or count at start={start}")
            if not results:
                break
            ids.update(str(r["id"]) for r in results if isinstance(r, dict) and r.get("id"))
            start += len(results)
        if total is not None and len(ids) < total:
            raise GatherError(f"The id listing gave {len(ids)} of the {total} datasets the source announces")
        return ids

    def _search_params(self, start: int, *, incremental: bool = True) -> dict[str, Any]:
        """package_search parameters: the source's filters and, unless incremental=False (the complete id
        listing), this run's incremental window."""
        window = self.since if incremental else None
        params: dict[str, Any] = {"rows": self.rows, "start": start, "sort": "id asc"}
        terms = []
        for field, key in (("organization", "organizations"), ("groups", "groups")):
            include = self.config.get(f"{key}_filter_include") or []
            exclude = self.config.get(f"{key}_filter_exclude") or []
            if include:
                terms.append("(" + " OR ".join(f"{field}:{name}" for name in include) + ")")
            terms.extend(f"-{field}:{name}" for name in exclude)
        if window is not None:
            start_at = (window - INCREMENTAL_MARGIN).isoformat()
            terms.append(f"metadata_modified:[{start_at}Z TO *]")
        if terms:
            params["fq"] = " ".join(terms)
        return params

    def _search_answered(self) -> bool:
        """Whether package_search exists at all (with the simplest query) — else fall back to listing."""
        try:
            self._action("package_search", {"rows": 1})
        except FetchError:
            return False
        return True

    def _list_page(self, offset: int) -> Page:
        if self._names is None:
            names = self._action("package_list", {})
            if not isinstance(names, list):
                raise GatherError("package_list did not return a list")
            self._names = [n for n in names if isinstance(n, str)]
        chunk = self._names[offset : offset + self.rows]
        records = []
        for name in chunk:
            package = one_package(self._action("package_show", {"id": name}))
            records.append(self._record(package) if _has_id(package) else _unreadable(name, package, "package_show"))
        end = offset + len(chunk)
        following = {"mode": "list", "offset": end} if end < len(self._names) else None
        return Page(records, following, len(self._names))

    def _action(self, name: str, params: dict[str, Any]) -> Any:
        response = self.fetcher.get(f"{self.base}/api/3/action/{name}", params=params, accept="application/json")
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict) or body.get("success") is not True or "result" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            raise FetchError(f"{name} failed ({error!r})", response.url, kind="remote_error")
        return body["result"]

    def _record(self, package: dict[str, Any]) -> RemoteRecord:
        skip = None
        if package.get("type") == "harvest":
            skip = "remote dataset of type harvest (a harvest source)"
        return RemoteRecord(
            guid=str(package["id"]),
            content=package,
            content_hash=content_hash(package, self.salt),
            remote_url=f"{self.base}/dataset/{package.get('name') or package['id']}",
            skip_reason=skip,
        )

    # -- mapping -----------------------------------------------------------------------------------------
    def to_package_dict(self, record: RemoteRecord) -> dict[str, Any]:
        remote = record.content
        config = self.config
        package: dict[str, Any] = {k: remote[k] for k in PACKAGE_FIELDS if remote.get(k) is not None}
        tags = [{"name": t["name"]} for t in remote.get("tags") or [] if isinstance(t, dict) and t.get("name")]
        for tag in config.get("default_tags") or []:
            name = tag["name"] if isinstance(tag, dict) else str(tag)
            if all(t["name"] != name for t in tags):
                tags.append({"name": name})
        package["tags"] = tags
        extras = {
            e["key"]: e["value"] if isinstance(e.get("value"), str) else _json(e.get("value"))
            for e in remote.get("extras") or [] if isinstance(e, dict) and e.get("key")
        }
        # ckanext-fluent (with scheming) answers its translations as top-level {language: text} objects, which
        # core CKAN's schema, and so Moisson's, only keeps as extras: same keys, one JSON spelling.
        for key in ("title_translated", "notes_translated"):
            texts = translations(remote.get(key))
            if texts and key not in extras:
                extras[key] = dump(texts)
        for key, value in (config.get("default_extras") or {}).items():
            if key not in extras or config.get("override_extras"):
                extras[key] = value if isinstance(value, str) else _json(value)
        package["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        package["resources"] = [
            {k: r[k] for k in RESOURCE_FIELDS if r.get(k) is not None}
            for r in remote.get("resources") or [] if isinstance(r, dict)
        ]
        for resource in package["resources"]:
            resource.setdefault("url", "")
        # Groups and organizations are resolved locally by the runner (only_local / create).
        package["groups"] = [
            {"name": g["name"], "title": g.get("title"), "description": g.get("description")}
            for g in remote.get("groups") or [] if isinstance(g, dict) and g.get("name")
        ] if config.get("remote_groups") in ("only_local", "create") else []
        for name in config.get("default_groups") or []:
            if all(g["name"] != name for g in package["groups"]):
                package["groups"].append({"name": name})
        organization = remote.get("organization")
        if config.get("remote_orgs") in ("only_local", "create") and isinstance(organization, dict):
            package["__remote_org"] = {
                k: organization.get(k) for k in ("name", "title", "description") if organization.get(k)
            }
        return package


def one_package(result: Any) -> Any:
    """package_show's dataset: CKAN answers the dict, DKAN's CKAN-compatible API a list holding it."""
    if isinstance(result, list) and len(result) == 1:
        return result[0]
    return result


def _has_id(package: Any) -> bool:
    return isinstance(package, dict) and isinstance(package.get("id"), str | int) and str(package["id"]) != ""


def _position_name(result: Any, position: int) -> str:
    """What an unreadable search result is called: its name when it has one, else its place in the listing."""
    if isinstance(result, dict) and isinstance(result.get("name"), str) and result["name"]:
        return result["name"]
    return f"package_search result {position}"


def _unreadable(guid: str, answer: Any, where: str) -> RemoteRecord:
    """A listed record this backend cannot read: an errored harvest object that says what came back."""
    if isinstance(answer, list):
        shape = f"a list of {len(answer)} items"
    elif isinstance(answer, dict):
        shape = "a dict without an id"
    else:
        shape = type(answer).__name__
    message = (f"Could not read {guid!r}: {where} returned {shape}, not a dataset dict with an id "
               "(is this a CKAN or DKAN Action API?)")
    return RemoteRecord(guid=str(guid), content={"unreadable": _json(answer)[:2000]},
                        content_hash=content_hash(message), read_error=message)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)
