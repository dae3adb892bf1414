"""The experiments people run on the model, each returning a result object.

- :func:`dose_response` - one inhibitor over doses on a cytokine/readout pair -> Hill fit (IC50)
- :func:`cytokine_response` - one cytokine over doses -> Hill fit (EC50)
- :func:`knockout_screen` - every gene knocked out under each cytokine -> log2 fold changes
- :func:`combination` - two drugs on a dose grid -> Bliss, Loewe and HSA excess
- :func:`compare_drugs` - several inhibitors on every pathway: IC50s, selectivity, approved regimens
- :func:`absent_pathways` - the cytokine pathways a context cannot signal through

Single perturbations (knockouts, overexpression, mutations, drugs, pre-incubation)
are keywords of :meth:`Model.simulate`; the experiments take the same keywords as a
background applied to every simulation. Every input is validated before the first
simulation, and all simulations go through :func:`jakstat_sbml.run`, so
``n_jobs=``, ``client=``, ``progress=`` and ``engine=`` (``"amici"``: the second
engine, :mod:`jakstat_sbml.amici_engine`) work the same way everywhere.

Every result (:class:`DoseResponse`, :class:`CytokineResponse`,
:class:`KnockoutScreen`, :class:`Combination`) has the same verbs: ``to_frame()``
(a DataFrame of its data, flags in ``attrs``), ``summary()`` (a flat dict of its main
numbers whose keys name their units, with ``context`` and ``flags``) and
``plot(ax=None)``, which always returns the matplotlib **Figure** (drawn on ``ax`` when
given: an Axes, or for a Combination its four Axes): the protocol of
:class:`jakstat_sbml.results.Result`. Dose-responses share one vocabulary: ``midpoint``
(nM; the domain names ``ic50`` / ``ec50`` are the same number, and summaries have
``midpoint_nM`` beside ``ic50_nM`` / ``ec50_nM``), ``midpoint_fit_precision``, ``slope``
and ``max_effect``.

A result reports only what its simulations support. Each has ``flags``: one-line
reasons why a number is missing or needs care (empty when all is well), also in
``summary()`` and in ``to_frame().attrs["flags"]``, and each flag is emitted as a
:class:`~jakstat_sbml.errors.JakStatWarning`. A readout the stimulus does not drive
gives no inhibition, IC50 or EC50 (NaN); neither does a midpoint the doses do not
bracket, or a response that does not move (see :data:`SIGNAL_FLOOR`).
"""

from .combination import Combination, combination
from .cytokine_response import CytokineResponse, cytokine_response
from .dose_response import DoseResponse, dose_response
from .drug_comparison import DrugComparison, compare_drugs
from .predictive import PredictiveIC50
from .inputs import BACKGROUND_KEYS, default_doses
from .knockout_screen import KnockoutScreen, knockout_screen, log2_fold_change
from .measures import DEFAULT_TIME, SIGNAL_FLOOR, SIGNAL_FLOOR_RELATIVE, Measure, response
from .pathways import absent_pathways
from .support import signal_floor

__all__ = [
    "BACKGROUND_KEYS", "DEFAULT_TIME", "SIGNAL_FLOOR", "SIGNAL_FLOOR_RELATIVE",
    "Combination", "CytokineResponse", "absent_pathways", "DoseResponse", "DrugComparison", "PredictiveIC50",
    "KnockoutScreen", "Measure", "combination", "compare_drugs",
    "cytokine_response", "default_doses", "dose_response", "knockout_screen", "log2_fold_change", "response",
    "signal_floor",
]
