"""The package's version: one value, read by the modules below the package root (the
map page, the SBGN export) without importing the root and everything it imports."""

__version__ = "0.1.0"
