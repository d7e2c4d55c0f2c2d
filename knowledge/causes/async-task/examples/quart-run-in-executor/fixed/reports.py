import asyncio

from quart import Quart, current_app


def build_report():
    # ctxfix: verify
    rate = current_app.config["VAT"]  # blocking work that reads the app's settings
    return {"total": round(100 * (1 + rate), 2)}


def create_app():
    app = Quart(__name__)
    app.config["VAT"] = 0.2

    @app.route("/report")
    async def report():
        # to_thread runs build_report in a copy of this handler's context
        return await asyncio.to_thread(build_report)

    return app
