"""Project source: parsing and diffing modules, and hot-reloading fixed code."""
