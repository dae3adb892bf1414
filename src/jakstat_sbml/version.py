"""The package's version, read by the modules below the package root (the map page,
the SBGN export) without importing the root and everything it imports. It is written
once, in pyproject.toml, and read here from the installed package's metadata."""

from importlib.metadata import version

__version__ = version("jakstat-sbml")
