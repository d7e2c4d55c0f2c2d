import asyncio
import threading

from shop import create_app


async def main():
    app = create_app()
    async with app.test_app() as test_app:  # start-up and shutdown run, as under a server
        response = await test_app.test_client().post("/orders/7/pay")
    return response.status_code


status = asyncio.run(main())
# Wait for work the handler started in threads, so its output comes first.
for thread in threading.enumerate():
    if thread is not threading.main_thread():
        thread.join(timeout=10)
print("POST /orders/7/pay ->", status)
