"""Calibration of the model against the published datasets, and the comparison
with the published models' fits.

Pipeline (``calibrate(dataset)``; ``jakstat calibrate <dataset>`` on the command
line; ``jakstat calibrate all`` for every dataset), one module per job:

1. :mod:`.datasets`: every fact of a dataset in one place: how its data map onto
   our model (context, cytokine, observables, what is left out and why) and what
   it calibrates (parameters, behaviours the fit must keep, multi-start budget);
   :mod:`.bounds`: the physiological range of each fitted parameter
   (models/parameter_bounds.tsv, each with its source or stated assumption).
2. :mod:`.measurements` selects the measurements our model is judged on;
   :mod:`.problem` builds the dataset's PEtab problem (our model in the dataset's
   context, the kept measurements, the published noise levels) and
   :mod:`.simulator` simulates it with the Python API.
3. :mod:`.objective`: -log L over the log10 of the fitted parameters, each
   blot's offset and scale profiled (:mod:`.likelihood`), so the optimiser only
   sees model parameters; behaviours enter as penalties.
4. :mod:`.optimise`: multi-start local optimisation (scipy's trust-region
   reflective ``least_squares``, finite-difference Jacobian) from the current
   values and from Latin-hypercube starts within the bounds, in the package's
   process pool (:func:`jakstat_sbml.parallel.map_in_processes`); identifiability.
5. :mod:`.comparison`: the best start beside the published model
   (:mod:`.published`) on the same measurements with the same noise levels, its
   offsets and scales profiled the same way; :mod:`.results` writes tables,
   figures and a README, and stores fitted values in models/contexts.tsv.

Boehm_JProteomeRes2014 (EPO in BaF3-EPOR cells, context ``baf3_epor``) and
Bachmann_MSB2011 (EPO in CFU-E progenitors, context ``erythroid``) are fitted like
the other two.
"""

from .bounds import BOUNDS_FILE, bounds_for, parameter_bounds
from .comparison import Comparison, compare, fit_curves, observable_labels
from .datasets import (
                       ALL_DATASETS,
                       DATASETS,
                       DEFAULT_DATASET,
                       BACHMANN,
                       BOEHM,
                       RAIA,
                       SOBOTTA,
                       Behaviour,
                       Dataset,
                       Observable,
                       data_folder,
                       dataset,
)
from .likelihood import Fit, Observations, observe, profile, residual_jacobian
from .measurements import select_measurements
from .objective import GRADIENTS, Evaluations, Objective
from .optimise import CalibrationResult, StartResult, calibrate, fit_start, identifiability, read_result
from .problem import PREEQUILIBRATION, observations, petab_problem
from .published import PublishedModel
from .results import RESULT_FILES, result_files, run_dataset, store_in_contexts, summary, write_results
from .simulator import Simulator, petab_simulations

__all__ = [
    "GRADIENTS", "Evaluations", "residual_jacobian",
    "ALL_DATASETS", "BACHMANN", "BOEHM", "BOUNDS_FILE", "DATASETS", "DEFAULT_DATASET", "PREEQUILIBRATION", "RAIA",
    "SOBOTTA", "Behaviour", "CalibrationResult", "Comparison", "Dataset", "Fit", "Objective", "Observable",
    "Observations", "PublishedModel", "Simulator", "StartResult", "bounds_for", "calibrate", "compare",
    "data_folder", "dataset", "fit_curves", "fit_start", "identifiability", "observable_labels", "observations",
    "observe", "parameter_bounds", "petab_problem", "petab_simulations", "profile", "read_result",
    "RESULT_FILES", "result_files", "run_dataset", "select_measurements", "store_in_contexts", "summary", "write_results",
]
