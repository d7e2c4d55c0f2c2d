import asyncio

from reports import create_app


async def main():
    app = create_app()
    response = await app.test_client().get("/report")
    print("GET /report ->", response.status_code, await response.get_data(as_text=True))


asyncio.run(main())
