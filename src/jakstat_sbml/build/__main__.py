"""``python -m jakstat_sbml.build``: regenerate the model files (see :func:`main`)."""

from . import main

main()
