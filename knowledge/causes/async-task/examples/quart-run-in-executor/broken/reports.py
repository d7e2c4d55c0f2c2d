import asyncio

from quart import Quart, current_app


def build_report():
    rate = current_app.config["VAT"]  # blocking work that reads the app's settings
    return {"total": round(100 * (1 + rate), 2)}


def create_app():
    app = Quart(__name__)
    app.config["VAT"] = 0.2

    @app.route("/report")
    async def report():
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, build_report)

    return app
