import asyncio

from pricing import create_app, price_with_vat


async def _price_in_app(net):
    app = create_app()
    async with app.app_context():  # Quart's contexts are pushed with async with
        return price_with_vat(net)


def test_price_with_vat():
    assert asyncio.run(_price_in_app(100)) == 120.0
