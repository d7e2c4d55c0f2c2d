import os
import socket
import subprocess
import sys
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, SimpleWorker


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
# A throwaway redis-server on a free loopback port, with persistence off.
redis_server = subprocess.Popen(
    ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", ""],
    stdout=subprocess.DEVNULL,
)
ok = False
try:
    redis = Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            redis.ping()
            break
        except RedisConnectionError:  # still starting up
            time.sleep(0.05)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"

    from app import create_app

    app = create_app()
    response = app.test_client().post("/signup")
    print("POST /signup ->", response.status_code, response.get_json())

    # What `rq worker --burst emails` does, in this process.
    queue = Queue("emails", connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)

    job = queue.fetch_job(response.get_json()["job"])
    status = job.get_status()
    print(f"job {job.id}: {getattr(status, 'value', status)}")
    ok = status == "finished"
finally:
    redis_server.terminate()
    redis_server.wait(timeout=10)
sys.exit(0 if ok else 1)
