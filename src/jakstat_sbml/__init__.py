"""jakstat-sbml: cytokine-driven JAK/STAT signalling, from Antimony to SBML to experiments.

>>> import jakstat_sbml as js
>>> model = js.load_model()                       # malignant T cell ("ctcl")
>>> df = model.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500})
"""

from .catalog import contexts, cytokines, drugs, genes, mutations, readouts
from .errors import InputError, JakStatError, ModelFileError, SimulationError, UnknownNameError
from .experiments import DoseResponse, dose_response
from .model import Condition, Model, load_model
from .parallel import run
from .units import plasma

__all__ = [
    "Condition", "DoseResponse", "InputError", "JakStatError", "Model", "ModelFileError", "SimulationError",
    "UnknownNameError", "contexts", "cytokines", "dose_response", "drugs", "genes", "load_model", "mutations",
    "plasma", "readouts", "run",
]
__version__ = "0.1.0"
