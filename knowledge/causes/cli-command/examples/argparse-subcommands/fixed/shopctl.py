"""Shop admin tool:  python shopctl.py price 19.99"""

import argparse

from flask import current_app

from shop import create_app


def cmd_price(args):
    # ctxfix: verify
    gross = args.net * (1 + current_app.config["VAT_RATE"])
    print(f"{gross:.2f} {current_app.config['CURRENCY']}")


def main():
    parser = argparse.ArgumentParser(prog="shopctl")
    commands = parser.add_subparsers(dest="command", required=True)
    price = commands.add_parser("price", help="show a price with VAT")
    price.add_argument("net", type=float)
    price.set_defaults(func=cmd_price)

    args = parser.parse_args()
    app = create_app()
    with app.app_context():  # every sub-command runs inside the app's context
        args.func(args)


if __name__ == "__main__":
    main()
