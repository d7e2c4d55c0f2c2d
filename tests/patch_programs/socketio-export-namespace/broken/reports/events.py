"""Socket.IO handlers of the export page."""

import logging

from flask_socketio import emit

from reports.extensions import socketio

log = logging.getLogger(__name__)
TABLE_ROWS = {"orders": 1200, "customers": 300}


def export_rows(table, chunk_rows):
    total = TABLE_ROWS[table]
    for done in range(chunk_rows, total + chunk_rows, chunk_rows):
        emit("export-progress", {"table": table, "rows": min(done, total), "of": total})
    log.info("exported %s", table)


@socketio.on("export", namespace="/exports")
def start_export(data):
    from flask import current_app

    chunk = current_app.config["EXPORT_CHUNK_ROWS"]
    socketio.start_background_task(export_rows, data["table"], chunk)
