"""`python -m catalog.search.indexer_main`: the node's search indexer until SIGTERM or SIGINT (what
`moisson search-indexer` and `moisson serve` run)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from catalog.cli_support import cli_services
from catalog.search.indexer import Indexer, IndexerBusy
from catalog.search.supervisor import BUSY_EXIT


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s search-indexer %(levelname)s %(message)s")
    services = cli_services()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    indexer = Indexer(services)
    logging.getLogger(__name__).info("indexing into %s as node %s", indexer.root, indexer.node)
    try:
        indexer.run(stop)
    except IndexerBusy as error:
        print(f"Error: {error}", file=sys.stderr)
        raise SystemExit(BUSY_EXIT) from None


if __name__ == "__main__":
    main()
