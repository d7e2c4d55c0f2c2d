import asyncio

from catalog import create_app, seed_products


async def main():
    app = create_app()
    async with app.app_context():  # current_app works inside the block
        products = await seed_products(["teapot", "kettle"])
    print(f"seeded {len(products)} products for {app.name}")


asyncio.run(main())
