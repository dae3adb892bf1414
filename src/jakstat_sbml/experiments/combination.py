"""Two drugs on a dose grid: Bliss, Loewe and HSA excess (:func:`combination`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from ..fitting import HillFit, bliss_excess, fit_hill, hsa_excess, loewe_excess, midpoint_support
from ..model import DEFAULT_PREINCUBATION, Model, check_model
from ..parallel import run
from ..potency.draws import MIN_DRAWS, as_uncertainty, central_interval, plan_draws, recorded_seed, with_parameter_set
from ..results import background_text, flags_text, interval_fields, with_flags
from .inputs import check_not_varied, checked_background, converted_condition, drug_doses_nM, merged, stimulus_nM
from .measures import MIN_EFFECT, Measure, measured_values
from .support import figure_of, nM_text, signal_floor, warn_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Combination:
    """Two drugs on a dose grid, on one cytokine/readout pair.

    ``responses[i, j]`` is the readout's measure at ``doses_a[i]`` of drug A and
    ``doses_b[j]`` of drug B (free nM; both axes start at 0). ``effect`` is the
    fractional inhibition 1 - response / response(no drug). The three synergy
    scores are matrices of observed minus expected effect (positive = synergy,
    NaN on the single-agent row and column):

    - **Bliss** (independent action): expected E_A + E_B - E_A*E_B.
    - **Loewe** (dose additivity): expected E solving a/D_A(E) + b/D_B(E) = 1, with
      D_X(E) the single-agent dose giving E from a Hill fit of each drug alone
      (NaN when a drug has fewer than 3 non-zero doses to fit).
    - **HSA** (highest single agent): expected max(E_A, E_B).

    ``unstimulated`` is the measure without cytokine or drug. Effect and scores are
    NaN when the cytokine does not drive the readout (``measurable`` False), and the
    scores are NaN when nothing on the grid moves the readout by 5% or more: an
    excess of nothing over nothing is not synergy. ``flags`` says why, and also
    when Loewe relies on a single-agent curve extrapolated beyond its tested doses.

    What a score means (:meth:`synergy`): an excess counts only beyond
    :data:`EXCESS_FLOOR` (an effect too small to matter) and beyond the
    :meth:`additivity_band`, what the numbers can resolve: the solver's error
    (``response_error``, from the model's tolerances) carried through each score's
    formula, and for Loewe also the misfit of the single-agent Hill curves at the
    grid's doses (``reference_misfit``), which is how well the grid pins its
    reference down. The mean excess is taken over the cells where neither drug alone
    inhibits by :data:`SATURATION` or more (there an excess has no room left).
    """

    drug_a: str
    drug_b: str
    cytokine: str
    readout: str
    doses_a: np.ndarray
    doses_b: np.ndarray
    responses: np.ndarray
    measure: Measure
    context: str
    fit_a: HillFit | None
    fit_b: HillFit | None
    bliss: np.ndarray
    loewe: np.ndarray
    hsa: np.ndarray
    background: dict = field(default_factory=dict)
    unstimulated: float = float("nan")
    flags: tuple[str, ...] = ()
    measurable: bool = True
    response_error: np.ndarray | None = None  # numerical error of each response (readout unit)
    reference_misfit: float = 0.0  # largest |Hill fit - effect| of a drug alone at the grid's doses
    uncertainty: pd.DataFrame | None = None  # with uncertainty=: per score, the mean excess's interval and verdicts
    uncertainty_covers: str = ""  # what that interval covers
    uncertainty_flags: tuple[str, ...] = ()  # what the interval cannot support (e.g. a drug's too-narrow record)
    interval_draws: int | None = None  # with uncertainty=: the draws and their seed (same seed, same interval)
    interval_seed: int | None = None
    grid: str = "given"  # how the doses were chosen: "given", or centred on each drug's own IC50 (and which)

    @property
    def metric(self) -> str:
        return self.measure.label

    @property
    def baseline(self) -> float:
        return float(self.responses[0, 0])

    @property
    def effect(self) -> np.ndarray:
        if not self.measurable:
            return np.full(self.responses.shape, np.nan)
        return _effect(self.responses)

    @property
    def saturated(self) -> np.ndarray:
        """Grid of cells where a drug alone (at that cell's dose) inhibits by :data:`SATURATION` or more."""
        effect = self.effect
        alone_a, alone_b = effect[:, :1], effect[:1, :]
        with np.errstate(invalid="ignore"):
            return (alone_a >= SATURATION) | (alone_b >= SATURATION)

    def _informative(self) -> np.ndarray:
        cells = np.zeros(self.responses.shape, bool)
        cells[1:, 1:] = True  # the combination cells: both doses > 0
        return cells & ~self.saturated

    def scores(self) -> dict[str, float]:
        """Mean excess per model over the combination cells (both doses > 0) where neither
        drug alone inhibits by :data:`SATURATION` or more; NaN when no such cell has a score."""
        informative = self._informative()
        out = {}
        for name in SCORES:
            values = getattr(self, name)[informative]
            out[name] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        return out

    def additivity_band(self) -> dict[str, float]:
        """Half-width of the band around 0 within which each score is additive (fraction).

        The numerical error of an effect, ``(dR + |R/R0| dR0) / |R0|`` with ``dR`` the
        solver's error of a response (``response_error``), carried through each score's
        formula (Bliss ``E_AB - E_A - E_B + E_A E_B``, HSA ``E_AB - max(E_A, E_B)``) and
        maximised over the combination cells; Loewe's reference comes from Hill fits, so
        its band adds ``reference_misfit``, the fits' largest miss of a single agent at
        the grid's doses. NaN where the grid has no effect to score.
        """
        nan = {name: float("nan") for name in SCORES}
        if self.response_error is None or not self.measurable or not np.isfinite(self.effect).all():
            return nan
        r0, dr = self.responses[0, 0], self.response_error
        de = (dr + np.abs(self.responses / r0) * dr[0, 0]) / abs(r0)
        e = self.effect
        ea, eb, dea, deb = e[1:, :1], e[:1, 1:], de[1:, :1], de[:1, 1:]
        dab = de[1:, 1:]
        return {"bliss": float(np.max(dab + (1 + np.abs(eb)) * dea + (1 + np.abs(ea)) * deb)),
                "loewe": float(np.max(dab) + self.reference_misfit),
                "hsa": float(np.max(dab + np.maximum(dea, deb)))}

    def synergy(self) -> pd.DataFrame:
        """One row per score (bliss, loewe, hsa): ``mean_excess`` (:meth:`scores`), the
        ``additivity_band``, the ``excess_floor`` (:data:`EXCESS_FLOOR`), the ``verdict``
        (synergistic when the mean excess is above both, antagonistic when below minus both,
        additive otherwise; "not determined" without scores), the largest (``max_excess``)
        and smallest (``min_excess``) excess on the grid and the free doses (nM) where they
        occur, and how
        many ``cells`` the mean is over (``saturated_cells`` left out)."""
        means, bands = self.scores(), self.additivity_band()
        informative = self._informative()
        rows = []
        for name in SCORES:
            matrix = getattr(self, name)
            row = {"score": name, "mean_excess": means[name], "additivity_band": bands[name],
                   "excess_floor": EXCESS_FLOOR, "verdict": verdict(means[name], bands[name])}
            for end, pick in (("max", np.nanargmax), ("min", np.nanargmin)):
                if np.isfinite(matrix).any():
                    i, j = np.unravel_index(pick(matrix), matrix.shape)
                    row.update({f"{end}_excess": float(matrix[i, j]), f"{end}_at_dose_a_nM": float(self.doses_a[i]),
                                f"{end}_at_dose_b_nM": float(self.doses_b[j])})
                else:
                    row.update({f"{end}_excess": float("nan"), f"{end}_at_dose_a_nM": float("nan"),
                                f"{end}_at_dose_b_nM": float("nan")})
            row["cells"] = int(np.isfinite(matrix[informative]).sum())
            row["saturated_cells"] = int((self.saturated[1:, 1:]).sum())
            rows.append(row)
        table = pd.DataFrame(rows).set_index("score")
        table.attrs["flags"] = self.flags
        return table

    def to_frame(self) -> pd.DataFrame:
        """One row per grid cell: free doses of both drugs (nM) and the same doses as total
        plasma concentrations (free / the drug's fraction unbound), the response, the effect,
        the three excesses and whether a drug alone saturates there."""
        ia, ib = np.meshgrid(np.arange(self.doses_a.size), np.arange(self.doses_b.size), indexing="ij")
        ia, ib = ia.ravel(), ib.ravel()
        # a dose-response's table has both terms; a combination's had the free doses only (an audit)
        fu_a, fu_b = (catalog.drug(d).fraction_unbound for d in (self.drug_a, self.drug_b))
        frame = pd.DataFrame({
            f"{self.drug_a}_nM": self.doses_a[ia], f"{self.drug_b}_nM": self.doses_b[ib],
            f"{self.drug_a}_plasma_nM": self.doses_a[ia] / fu_a, f"{self.drug_b}_plasma_nM": self.doses_b[ib] / fu_b,
            self.readout: self.responses[ia, ib], "effect": self.effect[ia, ib],
            "bliss": self.bliss[ia, ib], "loewe": self.loewe[ia, ib], "hsa": self.hsa[ia, ib],
            "single_agent_saturates": self.saturated[ia, ib],
        })
        return with_flags(frame, self.flags)

    def companion_frames(self) -> dict:
        """The tables beside ``to_frame()`` that ``js.save`` keeps as ``<stem>_<name>.csv``, as
        the command line does: the verdicts per score and, with ``uncertainty=``, their intervals."""
        out = {"synergy": self.synergy().reset_index().assign(flags=flags_text(self.flags))}
        if self.uncertainty is not None:
            out["intervals"] = self.interval_frame()
        return out

    def interval_frame(self) -> pd.DataFrame:
        """With ``uncertainty=``: one row per score, the draws' median of its mean excess, the
        interval, the share of draws per verdict, what the interval covers and its flags
        (the CLI writes it as ``<name>_intervals.csv``); empty without."""
        if self.uncertainty is None:
            return pd.DataFrame()
        frame = self.uncertainty.reset_index().rename(columns={
            "median": "mean_excess_median", "low": "mean_excess_low", "high": "mean_excess_high"})
        frame["covers"] = self.uncertainty_covers
        frame["interval_flags"] = flags_text(self.uncertainty_flags)
        return with_flags(frame, self.uncertainty_flags)

    def summary(self) -> dict:
        """The pair, the largest inhibition on the grid, the mean Bliss, Loewe and HSA excess
        (:meth:`scores`) and per score its band, verdict and largest excess with its doses."""
        effect = self.effect
        per_score = {}
        for name, row in self.synergy().iterrows():
            per_score.update({f"{name}_band": row.additivity_band, f"{name}_verdict": row.verdict,
                              f"{name}_max": row.max_excess, f"{name}_max_at_dose_a_nM": row.max_at_dose_a_nM,
                              f"{name}_max_at_dose_b_nM": row.max_at_dose_b_nM})
        if self.uncertainty is not None:
            for name, row in self.uncertainty.iterrows():
                per_score.update({f"{name}_interval_low": row.low, f"{name}_interval_high": row.high,
                                  f"{name}_interval_draws_scored": int(row.draws),
                                  **{f"{name}_{kind}_draws_fraction": float(row[kind])
                                     for kind in ("synergistic", "additive", "antagonistic", "not_determined")}})
            per_score.update(interval_fields(self.uncertainty_covers, float(self.uncertainty["level"].iloc[0]),
                                             self.interval_draws, self.interval_seed, self.uncertainty_flags))
        return {"drug_a": self.drug_a, "drug_b": self.drug_b, "cytokine": self.cytokine, "readout": self.readout,
                "measure": self.metric, "max_dose_a_nM": float(self.doses_a.max()),
                "max_dose_b_nM": float(self.doses_b.max()),
                "max_effect": float(np.nanmax(effect)) if np.isfinite(effect).any() else float("nan"),
                "max_effect_unit": "fraction", **self.scores(), **per_score, "saturation_fraction": SATURATION,
                "excess_floor_fraction": EXCESS_FLOOR,
                "baseline": self.baseline, "baseline_unit": self.measure.unit(self.readout),
                "unstimulated": self.unstimulated, "unstimulated_unit": self.measure.unit(self.readout),
                "grid": self.grid, "context": self.context,
                "background": background_text(self.background), "flags": flags_text(self.flags)}

    def plot(self, ax=None, *, axes=None) -> Figure:
        """Inhibition and the three excess maps, on four new Axes or on the four given
        as ``ax``; returns the Figure. (``axes=`` is the deprecated name of ``ax``.)"""
        from .. import plots

        if axes is not None:
            if ax is not None:
                raise InputError("give ax= (four Axes), not both ax= and axes=")
            warnings.warn("Combination.plot(axes=...) is deprecated: use ax=", DeprecationWarning, stacklevel=2)
            ax = axes
        if ax is not None:
            ax = list(np.ravel(ax))
            if len(ax) != 4:
                raise InputError(f"a Combination is drawn on four Axes (inhibition, Bliss, Loewe, HSA), got {len(ax)}")
        return figure_of(plots.combination_maps(self, axes=ax))


SCORES = ("bliss", "loewe", "hsa")
HSA_ALONE = ("HSA calls the pair synergistic and neither Bliss nor Loewe does: HSA scores even a drug combined "
             "with itself above 0, so its verdict alone is no evidence of synergy")
# A single agent inhibiting this much leaves at most 10% for an excess: such cells say little
# about how the drugs combine and only dilute the mean (issue 26).
SATURATION = 0.9
# CVODE controls its local error; the global error of a result runs above it. 100x the
# tolerance is the bound tests/sbml_comparison.py uses between two runs of the same equations.
GLOBAL_ERROR_FACTOR = 100.0


VERDICTS = ("synergistic", "additive", "antagonistic", "not determined")
# The smallest mean excess (fraction of inhibition) called synergy or antagonism. A design
# decision, not a measurement: the additivity band alone is the solver's error (about 1e-4),
# so same-pocket ruxolitinib + tofacitinib, additive by construction, was "synergistic" by
# Bliss at +0.004. Five points of inhibition is assumed to be the least a user would act on
# (plausible 0.02-0.10; screening tools commonly call |score| < 10 on a percent scale
# additive, a convention recalled, not read in a source here).
EXCESS_FLOOR = 0.05


def threshold_text(band: float, excess_floor: float = EXCESS_FLOOR) -> str:
    """'±0.05 (floor; solver band ±5.8e-05)': the half-width within which a mean excess is
    additive, and which of the two sets it."""
    if not np.isfinite(band):
        return "n/a"
    if band >= excess_floor:
        return f"±{band:.2g} (solver band; floor {excess_floor:g})"
    return f"±{excess_floor:g} (floor; solver band ±{band:.2g})"


def verdict(mean: float, band: float, excess_floor: float = EXCESS_FLOOR) -> str:
    """synergistic / antagonistic beyond both the additivity band and ``excess_floor``,
    additive within them."""
    if not (np.isfinite(mean) and np.isfinite(band)):
        return "not determined"
    threshold = max(band, excess_floor)
    if mean > threshold:
        return "synergistic"
    if mean < -threshold:
        return "antagonistic"
    return "additive"


def response_error(model: Model, responses: np.ndarray, measure: Measure) -> np.ndarray:
    """Numerical error of each response: :data:`GLOBAL_ERROR_FACTOR` x (relative tolerance x
    |response| + absolute tolerance in nM), x the window's length for an AUC."""
    options = model.solver_options
    smallest = float(np.min(model.roadrunner.model.getCompartmentVolumes()))  # pL: atol is per amount (zmol)
    span = measure.window[1] - measure.window[0] if measure.window else 1.0
    return GLOBAL_ERROR_FACTOR * (options["relative_tolerance"] * np.abs(responses)
                                  + options["absolute_tolerance"] / smallest * span)


def _reference_misfit(doses_a, doses_b, effect, fit_a: HillFit | None, fit_b: HillFit | None) -> float:
    """Largest |Hill fit - simulated effect| of either drug alone at the grid's doses."""
    misses = [0.0]
    for doses, alone, fit in ((doses_a, effect[:, 0], fit_a), (doses_b, effect[0, :], fit_b)):
        if fit is not None:
            misses.append(float(np.max(np.abs(fit.predict(doses) - alone))))
    return max(misses)


def _effect(responses: np.ndarray) -> np.ndarray:
    r0 = responses[0, 0]
    return 1 - responses / r0 if r0 else np.full(responses.shape, np.nan)


def _grid_doses(doses, drug: catalog.Drug, plasma: bool) -> np.ndarray:
    return np.unique(np.concatenate([[0.0], drug_doses_nM(doses, drug, plasma)]))


# The default grid: each drug at these multiples of its own IC50 on the pathway, half a decade
# apart. For a Hill slope of 1 alone they inhibit by about 9, 25, 50, 75 and 91%: the top dose
# shows the plateau Loewe's single-agent fit needs (fitting.PLATEAU_OCCUPANCY), and only the
# cells with a top dose saturate (issue 26's mean leaves out cells where a drug alone inhibits
# by 90% or more), so 16 of the 25 combination cells are scored.
AROUND_IC50 = (0.1, 1 / 3, 1.0, 3.0, 10.0)
AROUND_IC50_TEXT = "1/10, 1/3, 1, 3 and 10"


def centred_doses(model: Model, drug: catalog.Drug, cytokine: str, readout: str, *, n_jobs: int = 1, client=None,
                  engine: str = "roadrunner", **curve) -> tuple[tuple[float, ...], str, str | None]:
    """A drug's default combination doses (free nM): :data:`AROUND_IC50` times its own IC50
    on the pathway, from a dose-response at its default doses under the same condition
    (``curve``: timing, stimulus and background keywords of :func:`dose_response`).
    Returns the doses, how they were chosen, and a flag when the drug alone has no IC50
    there (its default doses are used instead)."""
    from ..errors import JakStatWarning
    from .dose_response import dose_response

    with warnings.catch_warnings():  # the reference curve's own notes are not this result's
        warnings.simplefilter("ignore", JakStatWarning)
        alone = dose_response(model, drug.name, cytokine, readout, n_jobs=n_jobs, client=client, engine=engine,
                              **curve)
    if np.isfinite(alone.ic50):
        doses = tuple(float(f"{alone.ic50 * k:.3g}") for k in AROUND_IC50)
        return doses, f"{drug.name} at {AROUND_IC50_TEXT} x its IC50 alone ({nM_text(alone.ic50)} free)", None
    bound = alone.ic50_bound
    where = f"its IC50 alone is {bound[0]} {nM_text(bound[1])} free" if bound else "it has no IC50 alone"
    doses = tuple(float(x) for x in drug.doses)
    return (doses, f"{drug.name} at its default doses ({where})",
            f"{drug.name}: {where} on {cytokine}/{readout}, so its doses are not centred on it; the grid uses its "
            f"default doses, {nM_text(min(doses))} to {nM_text(max(doses))} free")


def combination(model: Model, drug_a: str, drug_b: str, cytokine: str, readout: str | None = None,
                doses_a: Sequence | None = None, doses_b: Sequence | None = None, *,
                time: float | None = None, window: tuple[float, float] | None = None, cytokine_dose=None,
                preincubation: float = DEFAULT_PREINCUBATION, plasma: bool = False, uncertainty=None,
                draws: int | None = None, seed: int | None = None, n_jobs: int = 1,
                client=None, progress: bool = False, engine: str = "roadrunner", **condition) -> Combination:
    """Two drugs on a dose grid -> response matrix and Bliss, Loewe and HSA synergy.

    Doses are nM of free drug, or total plasma concentrations (converted with each
    drug's fraction unbound) when marked ``js.plasma()`` or with ``plasma=True``, as
    in :func:`dose_response`; dose 0 is added to both axes. A drug whose doses are not
    given gets 1/10, 1/3, 1, 3 and 10 times its own IC50 on this pathway (free nM, from a
    dose-response simulated first under the same condition; its default doses, with a
    flag, where it has no IC50 there); ``grid`` says how the doses were chosen. Timing, readout and
    background keywords as in :func:`dose_response`. See :class:`Combination` for
    the definitions of the scores (positive = synergy) and for when they are NaN
    (with a reason in ``flags`` and a :class:`JakStatWarning`).

    ``uncertainty`` (as in :func:`dose_response`) re-simulates the grid for each of
    ``draws`` draws, each drug's doses divided by that draw's potency (both drugs in one
    new assay share its between-source effect) under the draw's parameter set; the
    result's ``uncertainty`` gives each score's mean excess as a median with its
    interval, and the share of draws in which it is synergistic, additive,
    antagonistic or not determined (``not_determined``: the draw left no combination
    cell where neither drug alone saturates, or no additivity band). Every draw is a
    full grid of simulations: the default 200 draws of the default 6 x 6 grid are 7,200
    simulations.
    """
    check_model(model)
    a, b = catalog.drug(drug_a), catalog.drug(drug_b)
    unc = as_uncertainty(uncertainty, draws=draws, seed=seed, context=model.context)  # before any simulation
    if a.name == b.name:
        raise InputError(f"a combination needs two different drugs, got {a.name} twice")
    c = catalog.cytokine(cytokine)
    readout = catalog.readout(readout).name if readout is not None else c.main_readout
    measure = Measure.make(time, window)
    # the given doses, converted (bad ones fail before any simulation); None: centred below
    grids = {d.name: None if doses is None else _grid_doses(doses, d, plasma)
             for d, doses in ((a, doses_a), (b, doses_b))}
    bg = checked_background(condition, plasma, own_doses=True, experiment="combination")
    model.warn_inert_background(bg.get("knockouts"), bg.get("parameters"), bg.get("mutations"))
    for name in (a.name, b.name):
        check_not_varied(name, bg.get("drugs"), "drug")
    stimulus = stimulus_nM(bg, c, cytokine_dose)
    chosen, centring_flags = [], []
    for drug in (a, b):
        if grids[drug.name] is None:
            free, how, flag = centred_doses(model, drug, c.name, readout, time=time, window=window,
                                            cytokine_dose=cytokine_dose, preincubation=preincubation, plasma=plasma,
                                            n_jobs=n_jobs, client=client, engine=engine, **condition)
            grids[drug.name] = np.unique(np.concatenate([[0.0], free]))
            chosen.append(how)
            centring_flags += [flag] if flag else []
        else:
            chosen.append(f"{drug.name} as given")
    xa, xb = grids[a.name], grids[b.name]
    grid_text = "given" if doses_a is not None and doses_b is not None else "; ".join(chosen)
    common = dict(bg, cytokines=stimulus, preincubation=preincubation, t_end=measure.t_end, points=measure.points)
    conditions = []
    for da in xa:
        for db in xb:
            drugs = {k: v for k, v in ((a.name, da), (b.name, db)) if v > 0}
            conditions.append(converted_condition(**merged(common, {"drugs": merged(bg.get("drugs"), drugs)})))
    conditions.append(converted_condition(**merged(common, {"cytokines": bg.get("cytokines")})))  # no cytokine, no drug
    df = run(model, conditions, readouts=[readout], n_jobs=n_jobs, client=client, progress=progress,
             engine=engine)
    values = measured_values(df, len(conditions), [readout], measure)[readout]
    resp, unstimulated = values[:-1].reshape(xa.size, xb.size), float(values[-1])
    baseline = float(resp[0, 0])
    unit = measure.unit(readout)
    floor = signal_floor(measure, baseline, unstimulated)
    flags = list(centring_flags)
    measurable = abs(baseline - unstimulated) > floor or abs(baseline) > floor
    nan = np.full(resp.shape, np.nan)
    if not measurable:
        flags.append(f"{c.name} does not drive {readout} in context {model.context!r}: {baseline:.3g} {unit} with "
                     f"{c.name} vs {unstimulated:.3g} {unit} without ({measure.label}), below the {floor:.2g} {unit} "
                     f"detection floor; no effect or synergy score can be measured")
        warn_flags(flags)
        return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, None, None,
                           nan, nan.copy(), nan.copy(), bg, unstimulated, tuple(flags), False, grid=grid_text)
    if abs(baseline - unstimulated) <= floor:
        flags.append(f"{c.name} does not raise {readout} above its unstimulated level ({unstimulated:.3g} {unit}, "
                     f"{measure.label}): the effects are on the basal signal")
    effect = _effect(resp)
    fit_a = _effect_fit(xa, effect[:, 0])
    fit_b = _effect_fit(xb, effect[0, :])
    if float(np.nanmax(np.abs(effect))) < MIN_EFFECT:
        flags.append(f"neither {a.name} nor {b.name}, alone or together, changes {readout} by {MIN_EFFECT:.0%} or "
                     f"more on this grid (at most {np.nanmax(np.abs(effect)):.1%}): no synergy scores")
        warn_flags(flags)
        return Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, fit_a, fit_b,
                           nan, nan.copy(), nan.copy(), bg, unstimulated, tuple(flags), True, grid=grid_text)
    if min(xa.size, xb.size) - 1 < 3:  # too few single-agent doses to read D_X(E) off a fit
        loewe = np.full(effect.shape, np.nan)
        flags.append("Loewe needs at least 3 non-zero doses of each drug to fit its single-agent curve: "
                     "no Loewe scores")
    else:
        loewe = loewe_excess(xa, xb, effect, fit_a, fit_b)
        for drug, x, alone, fit in ((a.name, xa, effect[:, 0], fit_a), (b.name, xb, effect[0, :], fit_b)):
            if fit is not None and midpoint_support(fit, x) in ("above", "open"):
                flags.append(f"{drug} alone has not levelled off by its highest dose ({nM_text(x.max())} free, "
                             f"{alone[-1]:.0%} effect): Loewe reads its dose-equivalents off a Hill curve "
                             f"extrapolated beyond the tested doses")
    result = Combination(a.name, b.name, c.name, readout, xa, xb, resp, measure, model.context, fit_a, fit_b,
                         bliss_excess(effect), loewe, hsa_excess(effect), bg, unstimulated, tuple(flags), True,
                         response_error(model, resp, measure), _reference_misfit(xa, xb, effect, fit_a, fit_b),
                         grid=grid_text)
    verdicts = result.synergy()["verdict"]
    if verdicts["hsa"] == "synergistic" and "synergistic" not in (verdicts["bliss"], verdicts["loewe"]):
        # an audit read ruxolitinib + tofacitinib, additive by construction, as HSA-"synergistic" (+0.07)
        flags.append(HSA_ALONE)
        result = replace(result, flags=tuple(flags))
    warn_flags(flags)
    if unc is None:
        return result
    table, covers, interval_flags, drawn = _score_intervals(model, result, conditions, unc, n_jobs=n_jobs,
                                                            client=client, progress=progress, engine=engine)
    return replace(result, uncertainty=table, uncertainty_covers=covers, uncertainty_flags=interval_flags,
                   interval_draws=drawn, interval_seed=recorded_seed(unc))


def scored(model: Model, a: str, b: str, cytokine: str, readout: str, xa: np.ndarray, xb: np.ndarray,
           resp: np.ndarray, measure: Measure, context: str) -> Combination:
    """The scores of one grid of responses (no flags, no warnings): what each draw of
    :func:`_score_intervals` reads."""
    effect = _effect(resp)
    fit_a, fit_b = _effect_fit(xa, effect[:, 0]), _effect_fit(xb, effect[0, :])
    loewe = loewe_excess(xa, xb, effect, fit_a, fit_b) if min(xa.size, xb.size) - 1 >= 3 \
        else np.full(effect.shape, np.nan)
    return Combination(a, b, cytokine, readout, xa, xb, resp, measure, context, fit_a, fit_b, bliss_excess(effect),
                       loewe, hsa_excess(effect), response_error=response_error(model, resp, measure),
                       reference_misfit=_reference_misfit(xa, xb, effect, fit_a, fit_b))


def _score_intervals(model: Model, nominal: Combination, conditions: list, unc, *, n_jobs, client, progress,
                     engine) -> tuple[pd.DataFrame, str, tuple[str, ...], int]:
    """Each score's mean excess over the draws: median, interval, and the share of draws
    per verdict; what the interval covers and its flags. Draw j runs every grid condition
    with each drug's dose divided by its potency scale, under its parameter set."""
    plan = plan_draws(model, [nominal.drug_a, nominal.drug_b], unc, cytokine=nominal.cytokine, n_jobs=n_jobs,
                      client=client, engine=engine)
    warn_flags(plan.flags)
    scale = plan.dose_scale
    grid = conditions[:-1]  # the last one is the unstimulated reference
    runs = []
    for j in range(plan.draws):
        params = plan.parameter_sets[plan.set_index[j]]
        for cond in with_parameter_set(grid, params):
            moved = {d: v / scale[d][j] if d in scale else v for d, v in cond.drugs}
            runs.append(replace(cond, drugs=tuple(sorted(moved.items()))))
    df = run(model, runs, readouts=[nominal.readout], n_jobs=n_jobs, client=client, progress=progress,
             engine=engine)
    values = measured_values(df, len(runs), [nominal.readout], nominal.measure)[nominal.readout]
    values = values.reshape(plan.draws, nominal.doses_a.size, nominal.doses_b.size)
    means = {name: [] for name in SCORES}
    verdicts = {name: [] for name in SCORES}
    for j in range(plan.draws):
        if not plan.set_valid[min(plan.set_index[j], plan.set_valid.size - 1)]:
            continue
        drawn = scored(model, nominal.drug_a, nominal.drug_b, nominal.cytokine, nominal.readout, nominal.doses_a,
                       nominal.doses_b, values[j], nominal.measure, nominal.context)
        table = drawn.synergy()
        for name in SCORES:
            means[name].append(table.loc[name, "mean_excess"])
            verdicts[name].append(table.loc[name, "verdict"])
    rows, flags = [], list(plan.flags)
    for name in SCORES:
        v = np.array(means[name], float)
        finite = v[np.isfinite(v)]
        low, mid, high = central_interval(finite, unc.level)
        if plan.envelope:  # every member of a calibration ensemble, once: its envelope, as a curve's (an audit
            # found hepatocyte's 12 members given NaN under the percentile rule below, without a flag)
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (math.nan, math.nan)
        elif finite.size < MIN_DRAWS:  # the order statistics of so few cannot place the ends (an audit saw 19 used)
            low = high = math.nan
        n = max(len(verdicts[name]), 1)
        # "not determined": a draw leaves no cell where neither drug alone saturates, or no band
        rows.append({"score": name, "median": mid, "low": low, "high": high,
                     "level": math.nan if plan.envelope else unc.level,
                     "draws": int(finite.size),
                     **{kind.replace(" ", "_"): verdicts[name].count(kind) / n for kind in VERDICTS}})
        if finite.size < plan.draws:  # the interval was labelled with every draw run (an audit found 12 of 20 used)
            drawn = "calibration-ensemble members" if plan.envelope else "draws"
            flags.append(f"{name}: its interval is over the {finite.size} of {plan.draws} {drawn} whose grid gives a "
                         "score (the others' are not determined), so it holds only where a score exists"
                         + (f"; fewer than {MIN_DRAWS} cannot place a {unc.level:.0%} interval's ends, so it has "
                            "none (NaN): widen the grid or draw more"
                            if finite.size < MIN_DRAWS and not plan.envelope else ""))
    warn_flags(flags[len(plan.flags):])  # the plan's own were warned above
    return pd.DataFrame(rows).set_index("score"), plan.covers(), tuple(flags), plan.draws


MIN_SINGLE_AGENT_EFFECT = 0.02  # below this a drug counts as inactive for Loewe


def _effect_fit(doses: np.ndarray, effect: np.ndarray) -> HillFit | None:
    """Hill fit of a single agent's fractional effect (0 without drug), or None if inactive."""
    positive = doses > 0
    if positive.sum() < 3 or effect[positive].max() < MIN_SINGLE_AGENT_EFFECT:
        return None
    try:
        return fit_hill(doses[positive], effect[positive], zero=0.0)
    except InputError:
        return None
