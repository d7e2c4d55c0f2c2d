import asyncio

from flask import Flask, current_app


def create_app():
    app = Flask(__name__)
    app.config["OUTBOX"] = "outbox@example.com"
    return app


class Worker:
    def __init__(self, app):
        self.app = app
        self.queue = asyncio.Queue()

    async def start(self):
        pass  # nothing to push here: run() pushes and pops its own context

    async def run(self):
        with self.app.app_context():  # pushed and popped in this task
            while True:
                job = await self.queue.get()
                if job is None:
                    return
                print(f"sent {job} from {current_app.config['OUTBOX']}")

    async def stop(self):
        # ctxfix: verify
        self.queue.put_nowait(None)
