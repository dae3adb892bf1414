"""The `jakstat` command line: one Typer app, its commands grouped by job.

``common`` holds what every command shares (the app, the console, option parsers,
error handling); importing the command modules registers their commands on the app.
"""

from . import experiment_commands, model_commands  # noqa: F401  (register the commands)
from .common import app, console

__all__ = ["app", "console"]
