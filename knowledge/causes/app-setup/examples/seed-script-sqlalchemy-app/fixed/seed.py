"""Create the tables and add the starter todos:  python seed.py"""


from app import Todo, app, db

# Flask-SQLAlchemy 3 needs the app's context even though app.py passed the app to SQLAlchemy().
with app.app_context():
    # ctxfix: verify
    db.create_all()
    db.session.add_all([Todo(title="Read the Flask docs"), Todo(title="Write tests")])
    db.session.commit()
    print("seeded", Todo.query.count(), "todos")
