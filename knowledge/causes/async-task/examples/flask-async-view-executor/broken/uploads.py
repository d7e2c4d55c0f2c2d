import asyncio
import hashlib

from flask import Flask, request


def checksum():
    return hashlib.sha256(request.get_data()).hexdigest()[:12]


def create_app():
    app = Flask(__name__)

    @app.post("/upload")
    async def upload():
        loop = asyncio.get_running_loop()
        digest = await loop.run_in_executor(None, checksum)  # hashing blocks: off the loop
        return {"sha256": digest}

    return app
