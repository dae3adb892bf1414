"""``python -m jakstat_sbml.cli``: the same as the ``jakstat`` command."""

from . import app

if __name__ == "__main__":  # importing the module (as pkgutil.walk_packages does) must not run the CLI
    app()
