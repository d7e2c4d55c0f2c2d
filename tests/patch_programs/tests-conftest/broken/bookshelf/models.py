from bookshelf import db


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)


def add_book(title):
    book = Book(title=title)
    db.session.add(book)
    db.session.commit()
    return book
