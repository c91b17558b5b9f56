"""Schemathesis against /api/3/openapi.json of a running server: no input may produce a 5xx or a non-JSON body.

Bounded: a few examples per operation (positive and negative generation) within a wall-clock budget per
database. A server of its own, so random writes (sysadmin token: auth is skipped, validation and action
bodies are exercised) cannot disturb the other end-to-end tests. MOISSON_FUZZ_EXAMPLES, MOISSON_FUZZ_BUDGET
and MOISSON_FUZZ_RANDOM=1 (a fresh random run instead of the reproducible derandomized one) tune it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.conftest import SELECTED
from tests.servers import ServerProcess

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("MOISSON_FUZZ_EXAMPLES", "12"))
BUDGET_SECONDS = float(os.environ.get("MOISSON_FUZZ_BUDGET", "80"))
DERANDOMIZE = os.environ.get("MOISSON_FUZZ_RANDOM", "") != "1"


@pytest.fixture(scope="module", params=SELECTED)
def fuzz_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    server = ServerProcess(request.param).start()
    try:
        # Some real rows, so that lookups by the seeded names reach the action bodies.
        org = server.call("organization_create", {"name": "fuzz-org"}).json()["result"]
        server.call("package_create", {"name": "fuzz-dataset", "owner_org": org["id"],
                                       "resources": [{"url": "http://example.org/a.csv"}]})
        yield server
    finally:
        server.stop()


def fuzz_operation(operation: Any, server: ServerProcess, session: requests.Session,
                   deadline: float) -> list[dict[str, Any]]:
    failures: list[dict[str, Any]] = []
    calls = 0
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        if failures or (calls and time.monotonic() > deadline):
            return  # one failure per operation is enough to report; its share of the budget bounds the run
        calls += 1
        response = case.call(base_url=server.url, session=session, headers={"Authorization": server.token},
                             timeout=30)
        problem = None
        if response.status_code >= 500:
            problem = f"HTTP {response.status_code}"
        else:
            try:
                response.json()
            except ValueError:
                problem = f"non-JSON body with HTTP {response.status_code}"
        if problem:
            failures.append({"operation": operation.label, "problem": problem, "curl": case.as_curl_command(),
                             "response": response.text[:500]})

    run()
    return failures


def test_openapi_fuzzing_finds_no_server_error(fuzz_server: ServerProcess):
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/api/3/openapi.json")
    results = list(schema.get_all_operations())
    assert len(results) > 50, "the OpenAPI document should describe every action"
    end = time.monotonic() + BUDGET_SECONDS
    failures: list[dict[str, Any]] = []
    errors = []
    with requests.Session() as session:
        for index, result in enumerate(results):
            try:
                operation = result.ok()
            except Exception as error:  # noqa: BLE001 - a schema the fuzzer cannot read is itself a finding
                errors.append(repr(error))
                continue
            # Each operation gets an equal share of what is left of the budget (and at least one example).
            share = max(end - time.monotonic(), 0) / (len(results) - index)
            failures.extend(fuzz_operation(operation, fuzz_server, session, time.monotonic() + share))
    print(f"fuzzed {len(results)} operations, up to {EXAMPLES} examples each, {len(failures)} failures")
    assert errors == [], errors
    assert failures == [], describe(failures, fuzz_server.log_text())


def describe(failures: list[dict[str, Any]], log: str) -> str:
    """Each failing request as curl, its response, and the server's tracebacks (what the lead needs to fix it)."""
    lines = [f"{f['operation']}: {f['problem']}\n  {f['curl']}\n  -> {f['response']}" for f in failures]
    tracebacks = [block for block in log.split("Traceback (most recent call last):")[1:]]
    lines += ["server tracebacks:"] + ["Traceback (most recent call last):" + t[:3000] for t in tracebacks[:10]]
    return "\n".join(lines)
