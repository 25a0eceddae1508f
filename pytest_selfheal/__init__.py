"""pytest-selfheal: repair the code behind failing tests, commit each fix to a review branch."""

__version__ = "0.1.0.dev0"
