"""Nightly cron job: rebuild the product search index."""

import logging

from shop import create_app
from shop.search import rebuild_index

log = logging.getLogger("reindex")

app = create_app()
indexed, skipped = rebuild_index(["teapot", "kettle", "", "mug"])

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    log.info("indexed %d products (%d skipped) into %s", indexed, skipped, app.config["INDEX"])
