# Shows: Flask-Assets 0.12 without an app: the Environment is set up with init_app(app), then a
#   script asks a bundle for its URLs ("assets instance not bound to an application, and no
#   application in current context", flask_assets.py get_app).
# Envs: flask-0.12.5
# Expect: extension-no-app standalone-script
# Prints: assets instance not bound to an application
# Run: python {file}
from flask import Flask
from flask_assets import Bundle, Environment

assets = Environment()
assets.register("site_js", Bundle("app.js", "menu.js", output="gen/site.js"))


def create_app():
    app = Flask(__name__)
    assets.init_app(app)
    return app


app = create_app()
for url in assets["site_js"].urls():
    print(url)
