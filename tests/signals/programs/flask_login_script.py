# Shows: Flask-Login's login_user in a script, inside an app context but with no request.
#   Flask-Login 0.2-0.4 set `_request_ctx_stack.top.user` only after writing the session, so the
#   session raises Flask's request-context message first.
# Envs: flask-0.10.1 flask-0.12.5 flask-1.0.4
# Expect: request-context no-request
# Prints: working outside of request context | has no attribute 'user'
# Run: python {file}
from __future__ import print_function

from flask import Flask
from flask_login import LoginManager, UserMixin, login_user

app = Flask(__name__)
app.secret_key = "dev"
login_manager = LoginManager(app)


class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id


@login_manager.user_loader
def load_user(user_id):
    return User(user_id)


with app.app_context():
    login_user(User("7"))
    print("logged in")
