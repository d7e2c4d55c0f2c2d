"""Write every customer to customers.csv for the accounting team.

Run by hand or from cron:  python export_customers.py
"""

import csv

from shop import create_app
from shop.models import Customer

app = create_app()


def export_customers(path):
    # ctxfix: verify
    customers = Customer.query.order_by(Customer.id).all()
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "email"])
        for c in customers:
            writer.writerow([c.id, c.name, c.email])
    return len(customers)


if __name__ == "__main__":
    with app.app_context():  # Customer.query needs the app's context
        count = export_customers("customers.csv")
    print(f"exported {count} customers to customers.csv")
