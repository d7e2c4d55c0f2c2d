import asyncio

from worker import Worker, create_app


async def main():
    worker = Worker(create_app())
    await worker.start()
    runner = asyncio.create_task(worker.run())
    for job in ("invoice-1", "invoice-2"):
        worker.queue.put_nowait(job)
    await asyncio.create_task(worker.stop())  # as a shutdown handler does: a task of its own
    await runner


asyncio.run(main())
