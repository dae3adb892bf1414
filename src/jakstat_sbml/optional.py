"""The optional packages (the ``interop`` extra), imported in one place.

The base install simulates, runs every experiment and writes the report. COPASI,
COMBINE/OMEX and PEtab export, calibration and Dask scale-out need packages of the
``interop`` extra; each is imported with :func:`require`, which turns a missing
package into one sentence saying what to install::

    basico = require("basico", "COPASI export")

raises :class:`MissingDependencyError` (a :class:`~jakstat_sbml.errors.JakStatError`
and an :class:`ImportError`) when ``basico`` cannot be imported.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import JakStatError

INSTALL = 'pip install "jakstat-sbml[interop]"'
INSTALL_HINT = f'{INSTALL} (in a source checkout: pip install -e ".[interop]")'

# Import name -> the package pip installs it from; all come with the interop extra.
PACKAGES = {
    "basico": "copasi-basico",
    "COPASI": "python-copasi",
    "tellurium": "tellurium",
    "phrasedml": "phrasedml",
    "libsedml": "python-libsedml",
    "libcombine": "python-libcombine",
    "petab": "petab",
    "sympy": "sympy",
    "pypesto": "pypesto",
    "dask": "dask[distributed]",
    "distributed": "dask[distributed]",
    "SALib": "SALib",
    "amici": "amici",
    "numpyro": "numpyro",
    "libsbgnpy": "libsbgnpy",
    "pyomexmeta": "pyomexmeta",
    "rdflib": "rdflib",
}

# Packages that come with an extra of their own, and how to install it.
EXTRAS = {
    "amici": ('pip install "jakstat-sbml[amici]" (in a source checkout: pip install -e ".[amici]"); it compiles '
              "AMICI, which needs a C++ compiler and the OpenBLAS headers (Debian: apt-get install libopenblas-dev); "
              "`make test` installs both"),
    "numpyro": ('pip install "jakstat-sbml[potency]" (in a source checkout: pip install -e ".[potency]"); it brings '
                "NumPyro and JAX (CPU) to fit the drug-potency posterior (`make pharmacology`); the stored posterior "
                "is read without them"),
}


class MissingDependencyError(JakStatError, ImportError):
    """An optional package (``interop`` extra) is not installed or cannot be imported."""

    def __init__(self, module: str, purpose: str, cause: BaseException | None = None):
        top = module.split(".")[0]
        package = PACKAGES.get(top, top)
        missing = getattr(cause, "name", None)
        why = "is not installed"
        if cause is not None and missing and missing.split(".")[0] != top:
            why = f"cannot be imported ({cause})"  # installed, but one of its own dependencies is missing
        super().__init__(f"{purpose} needs the optional package {package}, which {why}: "
                         f"{EXTRAS.get(top, INSTALL_HINT)}")
        self.name, self.module, self.purpose = top, module, purpose


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` (e.g. ``"petab.v1.lint"``) for ``purpose`` or raise :class:`MissingDependencyError`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(module, purpose, exc) from exc


def missing(exc: ImportError, purpose: str = "this command") -> MissingDependencyError | None:
    """``exc`` as a :class:`MissingDependencyError` if it is about an optional package, else None."""
    if isinstance(exc, MissingDependencyError):
        return exc
    name = (getattr(exc, "name", None) or "").split(".")[0]
    return MissingDependencyError(name, purpose, exc) if name in PACKAGES else None
