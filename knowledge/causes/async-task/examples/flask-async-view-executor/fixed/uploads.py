import asyncio
import hashlib

from flask import Flask, request


def checksum():
    # ctxfix: verify
    return hashlib.sha256(request.get_data()).hexdigest()[:12]


def create_app():
    app = Flask(__name__)

    @app.post("/upload")
    async def upload():
        # to_thread runs checksum in a copy of this view's context
        digest = await asyncio.to_thread(checksum)  # hashing blocks: off the loop
        return {"sha256": digest}

    return app
