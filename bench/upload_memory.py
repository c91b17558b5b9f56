"""Memory of the server during large uploads: does a 200 MB upload cost more memory than a 20 MB one?

For each size, a fresh `moisson serve` (1 worker, 4 threads, SQLite unless --database says otherwise) with a 300 MB
resource limit; one small upload warms the worker up, then `resource_create` receives the file as a chunked
multipart body streamed by requests from a generator (never whole in the client's memory either). The worker's
VmHWM (peak resident set) is read from /proc before and after, and VmRSS is sampled every 20 ms during the upload.
The file is named .bin with format BIN so that no DataStore load runs in the worker: this measures the upload.
Prints one JSON document; `ratio_peak_large_vs_small` near 1.0 means memory stays flat whatever the file size.

    python3 -m bench.upload_memory [--database sqlite|postgresql] [--sizes-mb 20 200]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from tests.servers import ServerProcess

BOUNDARY = "bench-upload-boundary"
CHUNK = 256 * 1024


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def body(fields: dict[str, str], size: int, digest: Any) -> Iterator[bytes]:
    for key, value in fields.items():
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="upload"; filename="data.bin"\r\n'
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    block = bytes(range(256)) * (CHUNK // 256)
    sent = 0
    while sent < size:
        piece = block[: size - sent]
        digest.update(piece)
        sent += len(piece)
        yield piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(server: ServerProcess, package_id: str, size: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    response = requests.post(server.action_url("resource_create"),
                             data=body({"package_id": package_id, "format": "BIN", "name": f"{size} bytes"}, size,
                                       digest),
                             headers={"Authorization": server.token,
                                      "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}, timeout=600)
    response.raise_for_status()
    result = response.json()["result"]
    assert result["size"] == size and result["hash"] == digest.hexdigest(), result
    return result


def measure(database: str, size: int) -> dict[str, Any]:
    server = ServerProcess(database, workers=1, threads=4,
                           extra_env={"MOISSON_MAX_RESOURCE_BYTES": str(300 * 1000 * 1000), "MOISSON_REDIS_URL": ""})
    server.start()
    try:
        org = server.call("organization_create", {"name": "bench"}).json()["result"]
        package = server.call("package_create", {"name": "bench-upload", "owner_org": org["id"]}).json()["result"]
        pid = worker_pid(server.process.pid)
        upload(server, package["id"], 1_000_000)  # warm-up: every code path of an upload imported and run once
        before_hwm, before_rss = status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS")
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(status_kb(pid, "VmRSS"))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        try:
            upload(server, package["id"], size)
        finally:
            done.set()
            sampler.join()
        seconds = time.monotonic() - started
        after_hwm = status_kb(pid, "VmHWM")
        return {"size_mb": size / 1e6, "seconds": round(seconds, 2), "mb_per_s": round(size / 1e6 / seconds, 1),
                "worker_rss_before_kb": before_rss, "worker_peak_before_kb": before_hwm,
                "worker_peak_after_kb": after_hwm, "peak_growth_kb": after_hwm - before_hwm,
                "max_sampled_rss_kb": max(samples), "samples": len(samples)}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--sizes-mb", nargs=2, type=int, default=(20, 200))
    args = parser.parse_args()
    small, large = (measure(args.database, mb * 1000 * 1000) for mb in args.sizes_mb)
    print(json.dumps({
        "database": args.database, "small": small, "large": large,
        "ratio_peak_large_vs_small": round(large["worker_peak_after_kb"] / small["worker_peak_after_kb"], 3),
        "ratio_size": round(large["size_mb"] / small["size_mb"], 1),
    }, indent=2))


if __name__ == "__main__":
    main()
