# Shows: Flask-Babel 4's Domain.as_default() at the top of a script: RuntimeError("No request
#   context"). The check is `if not g` (flask_babel/__init__.py _get_current_context), so what
#   is missing is an application context: inside `with app.app_context():` the same call works.
# Envs: flask-3.1.3-ext
# Expect: app-context standalone-script
# Prints: no request context
# Run: python {file}
from flask import Flask
from flask_babel import Babel, Domain

app = Flask(__name__)
babel = Babel(app)
admin_domain = Domain(domain="admin")

admin_domain.as_default()
print("admin translations are the default")
