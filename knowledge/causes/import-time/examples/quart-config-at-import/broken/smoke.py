"""Deploy smoke test: build the app and ask it for one page of products."""

import asyncio

from catalog import create_app


async def main():
    app = create_app()
    response = await app.test_client().get("/products?page=2")
    print(response.status_code, await response.get_json())


asyncio.run(main())
