import unittest

from shop.money import fmt


class MoneyTest(unittest.TestCase):
    def test_fmt(self):
        self.assertEqual(fmt(1250), "12.50 EUR")


if __name__ == "__main__":
    unittest.main()
