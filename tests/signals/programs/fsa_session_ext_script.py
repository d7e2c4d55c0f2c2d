# Shows: Flask-SQLAlchemy-Session 1.1's current_session at the top of a script ("Cannot access
#   current_session when outside of an application context.", flask_sqlalchemy_session/__init__.py).
# Envs: flask-0.12.5
# Expect: app-context standalone-script
# Prints: cannot access current_session when outside of an application context
# Run: python {file}
from flask import Flask
from flask_sqlalchemy_session import current_session, flask_scoped_session
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
app = Flask(__name__)
session = flask_scoped_session(sessionmaker(bind=engine), app)

print(current_session.execute(text("select 1")).scalar())
