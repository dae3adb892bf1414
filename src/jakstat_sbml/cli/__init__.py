"""The `jakstat` command line: one Typer app, its commands grouped by job.

``common`` holds what every command shares (the app, the console, option parsers,
error handling); importing the command modules registers their commands on the app.
"""

# the order of registration is the order of `jakstat --help`: experiments, dosing, the model's own
from . import experiment_commands  # noqa: F401, I001  (register the commands)
from . import dosing_commands  # noqa: F401
from . import model_commands  # noqa: F401
from .common import app, console

__all__ = ["app", "console"]
