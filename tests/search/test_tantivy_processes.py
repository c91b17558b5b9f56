"""The Tantivy backend across real processes (issue 15): `moisson serve` with two web workers and the indexer it
starts itself, an indexer killed with SIGKILL in the middle of a burst of writes, a second indexer on the same
index, a rebuild switched over while searches and writes go on, and `search-index check --repair` on drift made on
purpose. Real databases (a SQLite file, a fresh PostgreSQL database per test), real index directories, real
processes; the test process writes and searches through the real action dispatcher with its own TantivyBackend
pointed at the same index, as a second web worker would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import tantivy
from sqlalchemy import delete, select

from catalog.context import SYSTEM, Actor
from catalog.dataset.models import Package
from catalog.migrate import upgrade
from catalog.registry import call_action
from catalog.search.index import build_document
from catalog.search.indexer import run_in_thread
from catalog.search.outbox import search_outbox
from catalog.search.tantivy_backend import TantivyBackend
from catalog.search.tantivy_check import caught_up, compare
from catalog.search.tantivy_schema import tantivy_document
from catalog.search.tantivy_store import current_generation
from catalog.services import Services, build_services
from catalog.settings import Settings
from tests.conftest import SELECTED, TEST_READ_ROLE, create_pg_database, drop_pg_database
from tests.servers import ADMIN_NAME, ADMIN_PASSWORD, MOISSON, ServerProcess

NODE = "test-node"
INDEXER = [sys.executable, "-m", "catalog.search.indexer_main"]
ALL = {"q": "*:*", "rows": 1000}


def word(i: int, prefix: str = "moisson") -> str:
    """A made-up word per dataset: consonants only, so that no stemmer strips a suffix and two words stay two
    terms."""
    return prefix + "".join("bcdfgjkpqz"[int(digit)] for digit in f"{i:04d}")


# -- processes -------------------------------------------------------------------------------------------------
class IndexerProcess:
    """`python -m catalog.search.indexer_main` (what `moisson search-indexer` runs), its output in a log file."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.log_path = workdir / f"indexer-{time.monotonic_ns()}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(INDEXER, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def assert_running(self) -> None:
        assert self.process.poll() is None, f"the indexer exited ({self.process.returncode}):\n{self.log()}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Node:
    """One node: its database, its index directory, the environment its commands run with, and this process's
    Services on the same database and index."""

    kind: str
    workdir: Path
    database_url: str
    services: Services
    admin: Actor
    org_id: str
    indexers: list[IndexerProcess] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return Path(self.services.settings.search_index_path)

    @property
    def env(self) -> dict[str, str]:
        settings = self.services.settings
        return {**os.environ, "MOISSON_DATABASE_URL": self.database_url, "MOISSON_SECRET_KEY": "test-secret",
                "MOISSON_STORAGE_PATH": settings.storage_path, "MOISSON_SEARCH_BACKEND": "tantivy",
                "MOISSON_SEARCH_INDEX_PATH": str(self.root), "MOISSON_SEARCH_NODE": NODE,
                "PYTHONUNBUFFERED": "1"}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*MOISSON, *args], env=self.env, cwd=self.workdir, capture_output=True, text=True,
                              timeout=120)

    def start_indexer(self) -> IndexerProcess:
        indexer = IndexerProcess(self.env, self.workdir)
        self.indexers.append(indexer)
        return indexer

    def wait_caught_up(self, indexer: IndexerProcess) -> None:
        done = caught_up(self.services, timeout=60)
        indexer.assert_running()
        assert done, f"the indexer did not catch up within 60 s:\n{indexer.log()}"

    def without_waiting(self) -> Services:
        """This node's Services whose writes do not wait to be searchable (while no indexer runs, each would wait
        its whole bound)."""
        settings = replace(self.services.settings, search_visible_timeout_seconds=0.0)
        return replace(self.services, settings=settings, search=TantivyBackend(self.services.db, settings))

    def call(self, action: str, services: Services | None = None, /, **data: Any) -> Any:
        # Positional-only: the data of package_create has its own `name`.
        return call_action(services or self.services, action, data, actor=self.admin)

    def create(self, name: str, title: str, services: Services | None = None) -> dict[str, Any]:
        return self.call("package_create", services, name=name, title=title, owner_org=self.org_id)  # type: ignore[no-any-return]

    def search(self, **data: Any) -> dict[str, Any]:
        return call_action(self.services, "package_search", data, actor=SYSTEM)  # type: ignore[no-any-return]

    def active_names(self) -> set[str]:
        with self.services.db.engine.connect() as conn:
            return set(conn.execute(select(Package.name).where(Package.state == "active")).scalars())


@pytest.fixture(params=SELECTED)
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Node]:
    """A fresh migrated database with a sysadmin and an organization, and an empty index directory."""
    kind = request.param
    database_url = (f"sqlite:///{tmp_path / 'moisson.db'}" if kind == "sqlite"
                    else create_pg_database("tantivy"))
    settings = Settings(database_url=database_url, site_url="http://test.moisson.local", secret_key="test-secret",
                        storage_path=str(tmp_path / "storage"), datastore_load_urls=False, search_backend="tantivy",
                        search_index_path=str(tmp_path / "search-index"), search_node=NODE,
                        datastore_read_role=TEST_READ_ROLE)
    services = build_services(settings)
    node = None
    try:
        upgrade(services.db, services.settings.datastore_read_role)
        user = call_action(services, "user_create", {"name": "admin", "email": "admin@example.org",
                                                     "password": "correct-horse", "sysadmin": True}, actor=SYSTEM)
        admin = Actor(user_id=user["id"], name=user["name"], is_sysadmin=True)
        org = call_action(services, "organization_create", {"name": "insee", "title": "INSEE"}, actor=admin)
        node = Node(kind, tmp_path, database_url, services, admin, org["id"])
        yield node
    finally:
        for indexer in node.indexers if node else []:
            indexer.stop()
        services.db.dispose()
        if kind == "postgresql":
            drop_pg_database(database_url)


# -- 1. read-your-writes through `moisson serve --workers 2` -------------------------------------------------
def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of a process's children, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def maps_index(pid: int, root: Path) -> bool:
    """Whether a process has files of the index directory mapped (Tantivy reads segments through mmap)."""
    try:
        return str(root) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.parametrize("kind", SELECTED)
def test_serve_two_workers_read_their_writes(kind: str, tmp_path: Path) -> None:
    root = tmp_path / "search-index"
    env = {"MOISSON_SEARCH_BACKEND": "tantivy", "MOISSON_SEARCH_INDEX_PATH": str(root),
           "MOISSON_SEARCH_NODE": "serve-node"}
    server = ServerProcess(kind, workers=2, threads=4, create_admin=False, extra_env=env)
    try:
        # The steps of ServerProcess.start, with the admin and its token made while the server starts.
        server.cli("db", "upgrade")
        server.launch()
        server.cli("user", "add", ADMIN_NAME, "--email", "admin@example.org", "--password", ADMIN_PASSWORD,
                   "--sysadmin")
        server.token = server.create_token(ADMIN_NAME)
        server.wait_ready()
        serve_and_search(server, root)
    finally:
        server.stop()


def serve_and_search(server: ServerProcess, root: Path) -> None:
    """Writes over HTTP, each searched right after it returned; then both workers answer searches."""
    assert server.process is not None
    kids = children(server.process.pid)
    assert [cmd for _, cmd in kids if "catalog.search.indexer_main" in cmd], f"no indexer child: {kids}"
    workers = [pid for pid, cmd in kids if "catalog.search.indexer_main" not in cmd]
    assert len(workers) == 2, kids

    def action(name: str, data: dict[str, Any]) -> Any:
        response = server.call(name, data)
        assert response.status_code == 200, (name, response.text, server.log_text()[-3000:])
        return response.json()["result"]

    # `moisson serve` answers only once its indexer has built the first generation.
    status = action("status_show", {})
    assert status["search"]["backend"] == "tantivy" and status["search"]["ready"] is True, status
    assert action("package_search", {"q": "*:*"})["count"] == 0
    org = action("organization_create", {"name": "insee", "title": "INSEE"})
    for i in range(20):
        name = f"jeu-{i}"
        action("package_create", {"name": name, "title": f"Recensement {word(i)}", "owner_org": org["id"]})
        found = action("package_search", {"q": word(i)})
        assert [r["name"] for r in found["results"]] == [name], (i, found)
        action("package_patch", {"id": name, "title": f"Naissances {word(i, 'patch')}"})
        found = action("package_search", {"q": word(i, "patch")})
        assert [r["title"] for r in found["results"]] == [f"Naissances {word(i, 'patch')}"], (i, found)
        assert action("package_search", {"q": word(i)})["count"] == 0, i  # the old document was replaced
    status = action("status_show", {})
    assert status["search"]["backend"] == "tantivy" and status["search"]["ready"] is True, status

    # Both workers answer from the one index: concurrent searches until each has mapped it (bounded).
    def count_all(_: int) -> int:
        return int(action("package_search", {"q": "naissances", "rows": 0})["count"])

    with ThreadPoolExecutor(8) as pool:
        for _ in range(25):
            assert set(pool.map(count_all, range(16))) == {20}
            if all(maps_index(pid, root) for pid in workers):
                break
    assert all(maps_index(pid, root) for pid in workers), "a web worker never searched the index"


# -- 2. indexer crash and catch-up; one indexer per node ------------------------------------------------------
def burst(node: Node, services: Services, count: int, done: list[int],
          hold: tuple[int, threading.Event] | None = None) -> None:
    """Creates, title patches and deletes, in a fixed interleaving; `done` counts them as they commit. With
    `hold` (n, event): the n-th write waits for the event, so the burst is still going when the test acts."""
    for i in range(count):
        if hold is not None and i == hold[0]:
            hold[1].wait(120)
        if i % 4 == 3:
            node.call("package_patch", services, id=f"burst-{i - 2}", title=f"Patched {word(i)}")
        elif i % 8 == 6:
            node.call("package_delete", services, id=f"burst-{i - 6}")
        else:
            node.create(f"burst-{i}", f"Burst {word(i)}", services)
        done.append(i)


def test_indexer_killed_mid_burst_catches_up(node: Node) -> None:
    indexer = node.start_indexer()
    node.wait_caught_up(indexer)
    # A second indexer on the same index, started while the first runs (and the burst below goes on).
    second = subprocess.Popen(INDEXER, env=node.env, cwd=node.workdir, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    writes = node.without_waiting()
    done: list[int] = []
    # The burst waits at its 100th write until the indexer is killed: on a fast machine 200 writes could end
    # before the second indexer has even given up.
    killed = threading.Event()
    thread = threading.Thread(target=burst, args=(node, writes, 200, done, (100, killed)))
    thread.start()
    _, second_err = second.communicate(timeout=60)
    assert second.returncode != 0
    assert "another search indexer is running" in second_err, second_err
    indexer.assert_running()
    deadline = time.monotonic() + 60
    while len(done) < 70 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    indexer.kill()
    assert thread.is_alive(), "the burst ended before the indexer was killed"
    killed.set()
    thread.join(120)
    assert len(done) == 200

    # Without an indexer the writes after the kill are not in the index: the restart has something to catch up.
    assert compare(node.services, node.root).ids
    generation = current_generation(node.root)
    indexer = node.start_indexer()
    node.wait_caught_up(indexer)
    # It went on from its saved position in the same generation (a rebuild from scratch would also pass below).
    assert current_generation(node.root) == generation
    checked = node.cli("search-index", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 missing, 0 stale, 0 extra, 0 duplicated" in checked.stdout
    expected = node.active_names()
    found = node.search(**ALL)
    assert found["count"] == len(expected) and {r["name"] for r in found["results"]} == expected
    patched = node.search(q="patched", rows=1000)
    assert {r["name"] for r in patched["results"]} == {f"burst-{i - 2}" for i in range(3, 200, 4)} & expected


# -- 3. rebuild switched over while searching and writing -----------------------------------------------------
CATALOG = 200


def test_rebuild_switches_over_while_searching(node: Node) -> None:
    indexer = node.start_indexer()
    writes = node.without_waiting()
    for i in range(CATALOG):
        node.create(f"jeu-{i}", f"Recensement {word(i)}", writes)
    node.wait_caught_up(indexer)
    old = current_generation(node.root)
    assert old is not None

    stop = threading.Event()
    counts: list[int] = []
    errors: list[BaseException] = []

    def search_continuously() -> None:
        while not stop.is_set():
            try:
                counts.append(node.search(q="recensement", rows=0)["count"])
            except Exception as error:  # every failure is reported below, with its type
                errors.append(error)

    searcher = threading.Thread(target=search_continuously)
    searcher.start()
    rebuild = subprocess.Popen([*MOISSON, "search-index", "rebuild", "--quiet"], env=node.env, cwd=node.workdir,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    written = []
    try:
        # Writes keep coming during the rebuild, each read back right after it returned.
        while rebuild.poll() is None and len(written) < 200:
            name = f"pendant-{len(written)}"
            node.create(name, f"Naissances {word(len(written), 'pendant')}")
            assert [r["name"] for r in node.search(q=word(len(written), "pendant"))["results"]] == [name]
            written.append(name)
        out, err = rebuild.communicate(timeout=120)
    finally:
        stop.set()
        searcher.join(30)
        if rebuild.poll() is None:
            rebuild.kill()
    assert rebuild.returncode == 0, out + err
    assert "Indexed" in out, out

    assert errors == [], [repr(error) for error in errors[:5]]
    assert counts and set(counts) == {CATALOG}, (len(counts), sorted(set(counts)))
    new = current_generation(node.root)
    assert new is not None and new != old
    assert not old.exists()
    assert [path.name for path in node.root.glob("gen-*")] == [new.name]
    indexer.assert_running()
    checked = node.cli("search-index", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert written, "no write happened during the rebuild"
    found = node.search(q="naissances", rows=1000)
    assert {r["name"] for r in found["results"]} == set(written)


# -- 4. check --repair ----------------------------------------------------------------------------------------
def test_check_repair_fixes_drift(node: Node) -> None:
    # The first index from an indexer in a thread of this process (quicker to start than a process).
    thread, stop = run_in_thread(node.services)
    for i in range(5):
        node.create(f"jeu-{i}", f"Recensement {word(i)}")
    stop.set()
    thread.join(30)

    # Drift as it happens: a change whose outbox row is lost before any indexer read it (stale), and an index
    # written behind Moisson's back: a document deleted (missing) and one for a dataset it never had (extra).
    writes = node.without_waiting()
    patched = node.call("package_patch", writes, id="jeu-2", title=f"Naissances {word(2, 'patch')}")
    with writes.db.engine.begin() as conn:
        conn.execute(delete(search_outbox).where(search_outbox.c.package_id == patched["id"]))
    missing = node.call("package_show", None, id="jeu-0")
    ghost = {**node.call("package_show", None, id="jeu-1"), "id": "00000000-0000-0000-0000-00000000beef",
             "name": "fantome", "title": "Fantome"}
    current = current_generation(node.root)
    assert current is not None
    writer = tantivy.Index.open(str(current)).writer(heap_size=15_000_000, num_threads=1)
    writer.delete_documents_by_term("package_id", missing["id"])
    writer.add_document(tantivy_document(build_document(ghost)))
    writer.commit()
    writer.wait_merging_threads()

    indexer = node.start_indexer()
    node.wait_caught_up(indexer)
    assert node.search(q=word(0))["count"] == 0
    assert node.search(q="fantome")["count"] == 1  # counted from the index; its dict is not served (no such row)

    # `check --repair` reports the drift as `check` does (exit 1), and queues it for the indexer.
    repaired = node.cli("search-index", "check", "--repair")
    assert repaired.returncode == 1, repaired.stdout + repaired.stderr
    assert "1 missing, 1 stale, 1 extra, 0 duplicated" in repaired.stdout, repaired.stdout
    for kind, package_id in (("missing", missing["id"]), ("stale", patched["id"]), ("extra", ghost["id"])):
        assert f"{kind}: {package_id}" in repaired.stdout
    assert "Queued 3 datasets" in repaired.stdout, repaired.stdout
    node.wait_caught_up(indexer)
    again = node.cli("search-index", "check")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [r["name"] for r in node.search(q=word(0))["results"]] == ["jeu-0"]
    assert [r["name"] for r in node.search(q=word(2, "patch"))["results"]] == ["jeu-2"]
    assert node.search(q="fantome")["count"] == 0
