# pytest imports this file before it collects the package's modules for --doctest-modules:
# the doctests call code that reads current_app, so give them the app's context
from shop import create_app

create_app().app_context().push()  # stays pushed while pytest imports and runs the doctests
