"""ctxfix: explains Flask context errors and prints the fix for your Flask version."""

__version__ = "0.1.0"
