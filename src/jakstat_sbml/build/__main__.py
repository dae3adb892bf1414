"""``python -m jakstat_sbml.build``: regenerate the model files (see :func:`main`)."""

from . import main

if __name__ == "__main__":  # importing the module (as pkgutil.walk_packages does) must not rebuild the model
    main()
