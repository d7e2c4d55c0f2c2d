"""Moved to :mod:`ctxfix.read`; this name stays while branches that import it are merged."""

from ctxfix.read import *  # noqa: F403
from ctxfix.read import __all__  # noqa: F401
