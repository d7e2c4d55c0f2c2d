"""Create the tables and add the starter todos:  python seed.py"""

from app import Todo, db

db.create_all()
db.session.add_all([Todo(title="Read the Flask docs"), Todo(title="Write tests")])
db.session.commit()
print("seeded", Todo.query.count(), "todos")
