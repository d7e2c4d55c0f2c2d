# Shows: Flask-And-Redis 1.0 without an app: Redis() set up with init_app(app), then a script
#   reads a key ("Flask application not registered on Redis instance and no applcation bound to
#   current context", flask_redis.py get_app; the typo is the library's). No Redis server is
#   needed: the lookup fails before any connection.
# Envs: flask-0.12.5
# Expect: extension-no-app standalone-script
# Prints: not registered on redis instance
# Run: python {file}
from flask import Flask
from flask_redis import Redis

redis = Redis()


def create_app():
    app = Flask(__name__)
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    redis.init_app(app)
    return app


app = create_app()
print("visits:", redis.get("visits"))
