"""jakstat-sbml: cytokine-driven JAK/STAT signalling, from Antimony to SBML to experiments.

>>> import jakstat_sbml as js
>>> model = js.load_model()                       # malignant T cell ("ctcl")
>>> df = model.simulate(cytokines={"IL6": "40 ng/mL"}, drugs={"ruxolitinib": 500})
"""

from .catalog import contexts, cytokines, drugs, genes, mutations, readouts
from .dosing import ExposureResponse, LowestDose, exposure_response, lowest_dose
from .ensemble import Ensemble, EnsembleBand, ensemble_band, ensemble_contexts, load_ensemble
from .errors import (
    InputError, JakStatError, JakStatWarning, ModelFileError, NoEnsembleError, SimulationError, UnknownNameError,
)
from .experiments import (
    Combination, CytokineResponse, DoseResponse, DrugComparison, KnockoutScreen, PredictiveIC50, absent_pathways,
    combination, compare_drugs, cytokine_response, dose_response, knockout_screen,
)
from .interop import export
from .model import Condition, Model, load_model
from .parallel import run
from .pharmacology import PharmacologyValidation, validate_pharmacology
from .potency.draws import Uncertainty
from .provenance import SavedResult, load, read_provenance, save
from .regimens import PharmacokineticChecks, Regimen, regimen, validate_pharmacokinetics
from .uncertainty import VirtualTrial, ctcl_mutation_frequencies, sensitivity, virtual_trial
from .units import plasma

__all__ = [
    "Combination", "Condition", "CytokineResponse", "DrugComparison", "DoseResponse", "Ensemble", "EnsembleBand", "PredictiveIC50", "ExposureResponse", "InputError", "JakStatError", "JakStatWarning",
    "KnockoutScreen", "LowestDose", "Model", "ModelFileError", "NoEnsembleError", "PharmacokineticChecks", "PharmacologyValidation", "SimulationError", "UnknownNameError",
    "absent_pathways", "combination", "compare_drugs", "contexts", "ctcl_mutation_frequencies", "cytokine_response",
    "cytokines", "dose_response", "ensemble_band", "ensemble_contexts", "load_ensemble", "drugs", "export", "genes", "knockout_screen", "load_model", "lowest_dose", "mutations",
    "plasma", "load", "SavedResult", "read_provenance", "Regimen", "regimen", "save", "Uncertainty", "exposure_response", "readouts", "run",
    "sensitivity", "validate_pharmacokinetics", "validate_pharmacology", "VirtualTrial", "virtual_trial",
]
from .version import __version__
