"""Several drugs side by side on a context's cytokine pathways (:func:`compare_drugs`).

For each drug and each pathway it acts on (:func:`jakstat_sbml.catalog.drug_pairs`: a
cytokine whose receptor carries one of its target JAKs, read at the cytokine's main
readout) the comparison has

- the IC50 of a dose-response (free drug in the medium, and as total plasma
  concentration: free over the drug's fraction unbound), with the predictive interval of
  ``uncertainty=`` when asked;
- the selectivity between pathways: each IC50 over the drug's most potent pathway's, and
  the question CTCL brings (Kashyap et al., Cancers 2025): are the common-gamma-chain
  cytokines that drive malignant T cells (IL-2, IL-4, IL-15, IL-21) inhibited at lower
  concentrations than the interferon and IL-6 pathways, or the opposite;
- what the drug's approved regimens (data/pharmacokinetics/approved_regimens.tsv) do at
  steady state: time-averaged, trough and peak inhibition of each pathway, cytokines on
  throughout (:func:`jakstat_sbml.dosing.exposure_response`, continuous stimulation).

Pathways the context cannot signal through (:func:`absent_pathways`) are left out and
named in the flags. The inhibition is pharmacological (a pathway's readout), never a
clinical response: tumour response is not modelled.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, JakStatWarning, refuse_repeats
from ..model import DEFAULT_PREINCUBATION, Model, check_model
from ..parallel import RunOptions, run
from ..potency.crossval import records_clause, stored_pairs, stored_summary
from ..potency.posterior import gmfe
from ..results import background_text, flags_text, interval_fields, with_flags
from .dose_response import DoseResponse, dose_response, plan_curve
from .inputs import checked_background
from .measures import measured_values
from .pathways import absent_pathways

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# JAK3 pairs only with the common gamma chain (IL2RG; models/tables/chains.tsv), so a
# cytokine whose receptor carries JAK3 is a gamma-c cytokine.
GAMMA_C_JAK = "JAK3"
# What CTCL asks to be spared (issue 23): the interferons and IL-6.
SPARED_GROUP = ("IFNA", "IFNG", "IL6")
REGIMEN_METRICS = ("mean_inhibition", "trough_inhibition", "max_inhibition")


def gamma_c_cytokines() -> list[str]:
    """The cytokines whose receptor carries the common gamma chain (JAK3), in catalog order."""
    return [c.name for c in catalog.CYTOKINES.values() if GAMMA_C_JAK in c.jaks]


def pathway_pair_group(cytokine: str, partner: str) -> str:
    """What a held-out ratio of one drug's IC50s on two pathways tests of the gamma-c
    question: "both gamma-c", "gamma-c against IFN/IL-6" (what the selectivity fold is
    made of) or "other pairs"."""
    gamma, spared = set(gamma_c_cytokines()), set(SPARED_GROUP)
    a, b = cytokine in gamma, partner in gamma
    if a and b:
        return "both gamma-c"
    if (a and partner in spared) or (b and cytokine in spared):
        return "gamma-c against IFN/IL-6"
    return "other pairs"


@dataclass(frozen=True)
class SelectivityRecord:
    """How the model's selectivity between a gamma-c and an interferon or IL-6 pathway fared
    held out (the stored cross-validation): ratios of one drug's IC50s on two such pathways,
    measured in one held-out source and matrix, so that the source, the drug's potency and
    its free fraction cancel and the mechanistic model's own selectivity is tested. What a
    gamma-c selectivity fold rests on. ``current``: whether the stored run is of the
    present measured data."""

    ratios: int
    rows: int  # the measured rows the ratios are made of (ratios overlap: one row serves several)
    sources: int
    covered: int
    gmfe: float
    drugs: tuple[str, ...]
    matrices: tuple[str, ...]
    current: bool

    def text(self) -> str:
        return (f"selectivity, held out: {self.ratios} ratio{'s' if self.ratios != 1 else ''} of one drug's IC50s on "
                f"a gamma-c and an interferon or IL-6 pathway, measured in one held-out source and matrix "
                f"({self.rows} measured rows, {self.sources} source{'s' if self.sources != 1 else ''}; "
                f"{', '.join(self.drugs)} in {' and '.join(m.replace('_', ' ') for m in self.matrices)}): GMFE "
                f"{self.gmfe:.1f}, {self.covered} of {self.ratios} inside their 90% predictive intervals; the ratios "
                f"overlap (one row serves several), so they are not {self.ratios} independent tests; any other drug's "
                "or matrix's fold is the model's prediction alone (docs/pharmacology.md 7)"
                + ("" if self.current else " [stored cross-validation of other data]"))


SET_COMPONENTS = ("calibration ensemble", "parameter ranges")  # what moves a selectivity fold


def selectivity_track_record() -> SelectivityRecord | None:
    """The held-out record of the gamma-c selectivity (:class:`SelectivityRecord`); None
    where no stored cross-validation holds such ratios."""
    pairs = stored_pairs()
    if pairs is None or "kind" not in pairs:
        return None
    pairs = pairs[pairs["kind"] == "pathways"]
    mine = pairs[[pathway_pair_group(a, b) == "gamma-c against IFN/IL-6"
                  for a, b in zip(pairs["cytokine"], pairs["partner_cytokine"])]]
    if mine.empty:
        return None
    summary = stored_summary()
    return SelectivityRecord(len(mine), len(set(mine["row"]) | set(mine["partner"])), int(mine["source_id"].nunique()),
                             int(mine["covered"].sum()),
                             gmfe(mine["fold_error"]), tuple(sorted(set(mine["drug"]))),
                             tuple(sorted(set(mine["matrix"]))), bool(summary and summary["current"]))


@dataclass(frozen=True)
class DrugComparison:
    """Drugs x pathways: IC50s with their intervals, selectivity and inhibition at the
    approved regimens (see the module docstring)."""

    ic50s: pd.DataFrame  # one row per drug and pathway
    regimens: pd.DataFrame  # one row per drug, regimen and pathway (empty without regimens)
    context: str
    covers: str = ""  # what the IC50 intervals cover ("" without uncertainty)
    flags: tuple[str, ...] = ()
    curves: dict = field(default_factory=dict, repr=False)  # (drug, cytokine) -> DoseResponse
    background: dict = field(default_factory=dict)  # the background keywords of every simulation
    regimens_simulated: bool = True  # False: regimens=False left them out (not: none tabulated)

    @property
    def interval_kind(self) -> str:
        """What the IC50 intervals are: "envelope" (a calibration ensemble's members, no
        level), "90% predictive interval", or "" without uncertainty."""
        if not self.covers:
            return ""
        return "envelope" if self.covers.startswith("envelope") else "90% predictive interval"

    @property
    def drugs(self) -> list[str]:
        return list(pd.unique(self.ic50s["drug"]))

    @property
    def pathways(self) -> list[str]:
        return list(pd.unique(self.ic50s["pathway"]))

    def selectivity(self, drug: str) -> pd.DataFrame:
        """Pathway x pathway matrix of one drug's IC50 ratios (row over column): above 1,
        the column's pathway is inhibited at a lower concentration than the row's."""
        rows = self.ic50s[self.ic50s.drug == catalog.drug(drug).name].set_index("pathway")["ic50_nM"]
        if rows.empty:
            raise InputError(f"{drug} is not one of this comparison's drugs: {', '.join(self.drugs)}")
        return pd.DataFrame(rows.to_numpy()[:, None] / rows.to_numpy()[None, :], index=rows.index,
                            columns=rows.index)

    def gamma_c_selectivity(self) -> pd.Series:
        """Per drug, the geometric-mean IC50 of the interferon and IL-6 pathways over that
        of the gamma-c pathways (a fold): above 1, the gamma-c cytokines are inhibited at
        lower concentrations; NaN when the drug lacks an IC50 in either group."""
        gamma = set(gamma_c_cytokines())
        out = {}
        for drug, part in self.ic50s.groupby("drug", sort=False):
            g = part[part.cytokine.isin(gamma)]["ic50_nM"]
            s = part[part.cytokine.isin(SPARED_GROUP)]["ic50_nM"]
            ok = lambda x: x[np.isfinite(x) & (x > 0)]  # noqa: E731
            out[drug] = (float(np.exp(np.log(ok(s)).mean()) / np.exp(np.log(ok(g)).mean()))
                         if len(ok(g)) and len(ok(s)) else math.nan)
        return pd.Series(out, name="gamma_c_selectivity_fold")

    def gamma_c_selectivity_interval(self) -> pd.DataFrame:
        """Per drug, with ``uncertainty=``: the gamma-c selectivity fold of each draw (from
        that draw's IC50s; a drug's curves share their draws, seed and order) and its
        interval at the IC50 intervals' level (``fold_low``, ``fold_high``; NaN for an open
        end), with ``draws`` and ``covers``. A drug's potency draws scale all its pathways
        alike and cancel in the fold: what moves it are parameter sets (``parameters``,
        ``calibration``, ``all``), so a drug whose draws vary potency alone has no row (its
        "interval" was the fold three times, labelled a 90% predictive interval: an audit).
        Empty without uncertainty. (An audit found the fold printed without any interval
        while every IC50 beside it had one.)"""
        from ..potency.draws import interval

        gamma, folds, rows = set(gamma_c_cytokines()), self.gamma_c_selectivity(), []
        for drug in self.drugs:
            mine = {c: curve.uncertainty for (d, c), curve in self.curves.items()
                    if d == drug and curve.uncertainty is not None}
            groups = [[u for c, u in mine.items() if c in members] for members in (gamma, set(SPARED_GROUP))]
            drawn = [u for group in groups for u in group]
            if not all(groups) or len({(u.draws, u.seed) for u in drawn}) != 1:
                continue  # a group without curves, or curves of other draws: no fold per draw
            if not any(name in SET_COMPONENTS for u in drawn for name in u.components):
                continue  # potency draws alone: the fold does not move with them
            with np.errstate(divide="ignore", invalid="ignore"):
                g, s = (np.exp(np.mean([np.log(u.ic50s) for u in group], axis=0)) for group in groups)
            low, high = interval(s / g, drawn[0].level, drawn[0].envelope)
            rows.append({"drug": drug, "fold": folds.get(drug, math.nan), "fold_low": low,
                         "fold_high": high, "draws": drawn[0].draws, "covers": drawn[0].covers})
        out = pd.DataFrame(rows, columns=["drug", "fold", "fold_low", "fold_high", "draws", "covers"])
        return out.astype({"fold": float, "fold_low": float, "fold_high": float, "draws": int})

    def gamma_c_selectivity_bounds(self) -> dict[str, float]:
        """The drugs whose selectivity is NaN because no interferon or IL-6 IC50 lies within
        the doses tested: the fold each is at least (highest doses over gamma-c IC50s)."""
        return selectivity_lower_bounds(self.ic50s)

    def to_frame(self) -> pd.DataFrame:
        """One row per drug and pathway (IC50s, fold over the drug's most potent pathway),
        with each approved regimen's steady-state inhibition in ``<regimen>: <metric>`` columns."""
        out = self.ic50s.copy()
        if len(self.regimens):
            wide = self.regimens.pivot_table(index=["drug", "pathway"], columns="regimen",
                                             values=list(REGIMEN_METRICS))
            wide.columns = [f"{regimen}: {metric}" for metric, regimen in wide.columns]
            out = out.merge(wide.reset_index(), on=["drug", "pathway"], how="left")
        if self.covers and "interval_covers" not in out:  # each IC50 row has its own (its drug's record)
            out["interval_covers"] = self.covers
        return with_flags(out, self.flags)

    def companion_frames(self) -> dict:
        """The tables beside ``to_frame()`` that ``js.save`` keeps as ``<stem>_<name>.csv``: the
        approved regimens' inhibition per pathway (as compare-drugs writes it) and, with
        ``uncertainty=``, the selectivity fold's interval."""
        out = {"regimens": self.regimens} if len(self.regimens) else {}
        spread = self.gamma_c_selectivity_interval()
        if len(spread):
            out["selectivity"] = spread
        return out

    def summary(self) -> dict:
        """Counts, each drug's gamma-c selectivity (a fold) and, per regimen, the mean
        steady-state inhibition of the gamma-c and of the interferon/IL-6 pathways."""
        out: dict = {"context": self.context, "drugs": len(self.drugs), "pathways": len(self.pathways),
                     "background": background_text(self.background)}
        for drug, fold in self.gamma_c_selectivity().items():
            out[f"gamma_c_selectivity_fold[{drug}]"] = float(fold)
        for _, r in self.gamma_c_selectivity_interval().iterrows():
            out[f"gamma_c_selectivity_low_fold[{r.drug}]"] = float(r.fold_low)
            out[f"gamma_c_selectivity_high_fold[{r.drug}]"] = float(r.fold_high)
        gamma = set(gamma_c_cytokines())
        for regimen, part in self.regimens.groupby("regimen", sort=False) if len(self.regimens) else []:
            for name, members in (("gamma_c", gamma), ("interferon_il6", set(SPARED_GROUP))):
                inside = part[part.cytokine.isin(members)]["mean_inhibition"]
                out[f"{name}_mean_inhibition_fraction[{regimen}]"] = (float(inside.mean()) if len(inside)
                                                                       else math.nan)
        drawn = next((c.uncertainty for c in self.curves.values() if c.uncertainty is not None), None)
        if self.covers and drawn is not None:  # its interval flags (the drugs' held-out records) are among its flags
            out.update(interval_fields(self.covers, math.nan if drawn.envelope else drawn.level, drawn.draws,
                                       drawn.seed, flags=None))
        out["flags"] = flags_text(self.flags)
        return out

    def plot(self, ax=None) -> Figure:
        """Heatmaps: log10 IC50 (total plasma, nM) per drug and pathway with its interval
        when there is one, and the time-averaged inhibition at each approved regimen.
        ``ax``: two Axes to draw into. Returns the Figure."""
        from .. import plots

        if ax is not None and len(np.atleast_1d(ax)) != 2:
            raise InputError("a drug comparison draws into two Axes: the IC50s and the regimens' inhibition")
        return plots.drug_comparison(self, ax=None if ax is None else list(np.atleast_1d(ax)))


def compare_drugs(model: Model, drugs: Sequence[str] | None = None, cytokines: Sequence[str] | None = None, *,
                  regimens: bool | None = None, preincubation: float = DEFAULT_PREINCUBATION,
                  uncertainty=None, draws: int | None = None, seed: int | None = None,
                  n_jobs: int = 1, client=None, progress: bool = False, engine: str = "roadrunner",
                  **condition) -> DrugComparison:
    """Compare ``drugs`` (default: every drug of the catalog) on ``cytokines`` (default:
    every cytokine the context signals through), each on the pathways it acts on.

    IC50s come from :func:`dose_response` at each drug's default doses (free drug, the
    package's 30 min pre-incubation, the cytokine's standard dose, read at 20 min); all
    curves run as one batch of conditions through :func:`jakstat_sbml.run`. With
    ``uncertainty`` (as in :func:`dose_response`: ``"potency"``, ``"calibration"``,
    ``"parameters"`` or True) each IC50 gets its predictive interval over ``draws``
    draws (one dose-response per pair, slower). ``regimens`` adds the steady-state
    inhibition at each drug's approved regimens (continuous stimulation): None (default)
    for the drugs that have one (the others flagged), True for every drug (InputError
    naming a drug without one, before any simulation), False for none. Run options as
    in :func:`jakstat_sbml.run`.

    Background keywords (``knockouts``, ``mutations``, ``overexpress``, ``parameters``)
    apply to every simulation, as in every experiment; ``drugs`` and ``cytokines`` are
    what is compared, each alone (a drug beside another is :func:`combination`'s
    question). ``preincubation`` is the dose-responses' (the regimens dose from time 0).
    Which pathways the context signals through is judged on the wild type.
    """
    check_model(model)
    options = RunOptions(n_jobs=n_jobs, client=client, progress=progress, engine=engine)
    background = checked_background(condition, experiment="compare_drugs")
    model.warn_inert_background(background.get("knockouts"), background.get("parameters"),
                                background.get("mutations"))
    if "cytokines" in background:
        raise InputError("compare_drugs() compares cytokines one at a time (cytokines=): it takes no background "
                         "cytokines")
    if isinstance(drugs, str):
        drugs = [drugs]
    names = [catalog.drug(d).name for d in (catalog.drugs() if drugs is None else drugs)]
    if not names:
        raise InputError("drugs must not be empty (None means every drug)")
    if len(set(names)) != len(names):
        raise InputError(f"a drug is named twice: {', '.join(sorted({d for d in names if names.count(d) > 1}))}")
    if isinstance(cytokines, str):
        cytokines = [cytokines]
    asked = [catalog.cytokine(c).name for c in (catalog.cytokines() if cytokines is None else cytokines)]
    refuse_repeats(asked, "cytokines")  # one named twice was compared once without a word (an audit)
    if not asked:
        raise InputError("cytokines must not be empty (None means every cytokine the context signals through)")
    if regimens is not None and not isinstance(regimens, bool):
        raise InputError(f"regimens must be None, True or False, got {regimens!r}")
    if regimens:
        from ..regimens import approved_regimens

        missing = [d for d in names if not approved_regimens(d)]
        if missing:
            raise InputError(f"no approved regimen tabulated for {', '.join(missing)} "
                             "(data/pharmacokinetics/approved_regimens.tsv): leave it out, or compare IC50s only")
    absent = absent_pathways(model, asked, n_jobs=n_jobs, client=client, engine=engine)
    present = [c for c in asked if c not in absent]
    flags = [f"left out: {why}" for why in absent.values()]
    pairs = [(d, c, r) for d in names for c, r in catalog.drug_pairs(d) if c in present]
    untouched = [d for d in names if not any(p[0] == d for p in pairs)]
    flags += [f"{d} acts on none of the pathways compared ({', '.join(present) or 'none'})" for d in untouched]
    if not pairs:
        raise InputError(f"no drug of {', '.join(names)} acts on a pathway the context {model.context!r} "
                         f"signals through among {', '.join(asked)}")

    # each curve's and regimen's flags are collected into the comparison's, not warned one by one
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JakStatWarning)
        curves = _curves(model, pairs, uncertainty, draws, seed, options, preincubation, condition)
        table = pd.DataFrame(columns=["drug", "regimen", "pathway", "cytokine", "readout", *REGIMEN_METRICS])
        if regimens is not False:
            table, regimen_flags = _regimen_inhibition(model, names, pairs, options, uncertainty, draws, seed,
                                                       condition)
            flags += regimen_flags
    flags += [f"{d}, {c}/{r}: {f}" for (d, c, r), curve in zip(pairs, curves.values()) for f in curve.flags]
    ic50s = pd.DataFrame([_ic50_row(curve) for curve in curves.values()])
    best = ic50s.groupby("drug")["ic50_nM"].transform(lambda x: np.nanmin(np.where(x > 0, x, np.nan))
                                                      if np.isfinite(x).any() else np.nan)
    ic50s["fold_vs_most_potent"] = ic50s["ic50_nM"] / best
    covers = _panel_covers(curves.values())
    flags += _selectivity_bounds(ic50s)
    flags += _selectivity_gaps(names, pairs, present)
    flags += [str(w.message) for w in caught if issubclass(w.category, JakStatWarning)
              and not any(str(w.message) in f for f in flags)]
    flags = list(dict.fromkeys(flags))
    for f in flags:
        warnings.warn(f, JakStatWarning, stacklevel=2)
    return DrugComparison(ic50s, table, model.context, covers, tuple(flags), curves, background,
                          regimens_simulated=regimens is not False)


def _selectivity_gaps(drugs, pairs, present) -> list[str]:
    """A drug's gamma-c selectivity is over the pathways it acts on: one it does not act on
    in the model (golidocitinib's IFN-gamma, through JAK2 alone) is left out of the fold, not
    counted as spared; said once per drug, since the fold then understates (or overstates) it."""
    flags = []
    groups = (("interferon/IL-6", SPARED_GROUP, "understates"), ("gamma-c", gamma_c_cytokines(), "overstates"))
    for drug in drugs:
        acted = {c for d, c, _ in pairs if d == drug}
        if not acted:
            continue
        for name, group, effect in groups:
            left = [c for c in group if c in present and c not in acted]
            if left and any(c in acted for c in group):
                flags.append(f"{drug}: its gamma-c selectivity leaves out {', '.join(left)} of the {name} group, "
                             f"which it does not act on in the model (spared entirely: the fold {effect} it)")
    return flags


def selectivity_lower_bounds(ic50s: pd.DataFrame) -> dict[str, float]:
    """Per drug with gamma-c IC50s but none on the interferon and IL-6 pathways within the
    doses tested (all above them): the fold its gamma-c selectivity is at least (its fold is NaN)."""
    gamma, out = set(gamma_c_cytokines()), {}
    for drug, part in ic50s.groupby("drug", sort=False):
        g = part[part.cytokine.isin(gamma) & np.isfinite(part.ic50_nM) & (part.ic50_nM > 0)]
        s = part[part.cytokine.isin(SPARED_GROUP)]
        if len(g) and len(s) and (s.status == "above the doses tested").all():
            out[drug] = float(np.exp(np.log(s.max_dose_nM).mean()) / np.exp(np.log(g.ic50_nM).mean()))
    return out


def _selectivity_bounds(ic50s: pd.DataFrame) -> list[str]:
    """A flag for each drug whose selectivity is only bounded below."""
    return [f"{drug}: no IC50 on the interferon and IL-6 pathways up to the highest dose tested; its gamma-c "
            f"selectivity is above {bound:.3g}-fold (a lower bound; no fold is given)"
            for drug, bound in selectivity_lower_bounds(ic50s).items()]


def _curves(model: Model, pairs, uncertainty, draws, seed, options: RunOptions, preincubation: float,
            condition) -> dict:
    """Each pair's dose-response: without uncertainty, every curve's conditions in one
    batch; with it, one :func:`dose_response` per pair (its draws are per drug)."""
    if uncertainty is not None:
        return {(d, c): dose_response(model, d, c, r, uncertainty=uncertainty, draws=draws, seed=seed,
                                      preincubation=preincubation, **condition, **options.keywords())
                for d, c, r in pairs}
    plans = [plan_curve(d, c, r, preincubation=preincubation, **condition) for d, c, r in pairs]
    conditions = [cond for plan in plans for cond in plan.conditions]
    readouts = sorted({plan.readout for plan in plans})
    frame = run(model, conditions, readouts=readouts, **options.keywords())
    # pandas deep-copies attrs (here a record per condition) on every operation: not needed below
    frame.attrs.clear()
    rows = frame["condition"].to_numpy()  # in condition order (js.run keeps it)
    out, start = {}, 0
    for (d, c, _), plan in zip(pairs, plans):
        n = len(plan.conditions)
        lo, hi = np.searchsorted(rows, [start, start + n])
        part = frame.iloc[lo:hi].copy()
        part["condition"] -= start
        values = measured_values(part, n, [plan.readout], plan.measure)[plan.readout]
        out[(d, c)] = plan.result(values, model.context)
        start += n
    return out


def _ic50_row(curve: DoseResponse) -> dict:
    fu = curve.fraction_unbound
    row = {"drug": curve.drug, "pathway": f"{curve.cytokine}/{curve.readout}", "cytokine": curve.cytokine,
           "readout": curve.readout, "ic50_nM": curve.ic50, "ic50_plasma_nM": curve.ic50 / fu,
           "max_dose_nM": float(curve.doses.max()), "status": _status(curve), "flags": flags_text(curve.flags)}
    if curve.uncertainty is not None:
        (lo, hi), (plo, phi) = curve.ic50_interval, curve.ic50_plasma_interval
        row.update(ic50_interval_low_nM=lo, ic50_interval_high_nM=hi, ic50_plasma_interval_low_nM=plo,
                   ic50_plasma_interval_high_nM=phi,
                   interval_covers=curve.uncertainty.covers, interval_flags=flags_text(curve.uncertainty.flags))
        for record in (curve.uncertainty.track_record, curve.uncertainty.system_record):  # measured coverage
            row.update(record.as_dict() if record is not None else {})
    return row


def _panel_covers(curves) -> str:
    """What the panel's IC50 intervals cover: the draws, then every drug's held-out record
    (each curve's `covers` names only its own drug's and system's; the systems' records
    are in the rows' held_out_system_* columns)."""
    drawn = [c.uncertainty for c in curves if c.uncertainty is not None]
    if not drawn:
        return ""
    bases = [u.covers.removesuffix(records_clause(r for r in (u.track_record, u.system_record) if r)) for u in drawn]
    head, _, _ = bases[0].partition(" of: ")
    # what the draws are of, over every drug (one drug's posterior, another's plausible range)
    parts = dict.fromkeys(part for base in bases for part in base.partition(" of: ")[2].split(", ") if part)
    base = f"{head} of: {', '.join(parts)}" if parts else bases[0]
    records = {u.track_record.name: u.track_record for u in drawn if u.track_record is not None}
    return base + records_clause(records.values())


def _status(curve: DoseResponse) -> str:
    if not curve.measurable:
        return "unmeasurable"
    if np.isfinite(curve.ic50):
        return "ok"
    bound = curve.ic50_bound
    if bound is None:
        return "not determined"
    return "above the doses tested" if bound[0] == ">" else "below the doses tested"


def _regimen_inhibition(model: Model, drugs: list[str], pairs, options: RunOptions, uncertainty=None,
                        draws: int | None = None, seed: int | None = None, condition=None):
    """Steady-state inhibition of each drug's pathways at each of its approved regimens,
    with each metric's predictive interval (``<metric>_low`` / ``_high``) under ``uncertainty``."""
    from ..dosing.exposure import exposure_response
    from ..regimens import approved_regimens

    rows, without_regimen = [], []
    for drug in drugs:
        arms = {r.label(): r for r in approved_regimens(drug)}
        cytokines = [c for d, c, _ in pairs if d == drug]
        if not arms:
            without_regimen.append(drug)
            continue
        if not cytokines:
            continue
        result = exposure_response(model, arms, cytokines, stimulation="continuous", uncertainty=uncertainty,
                                   draws=draws, seed=seed, **dict(condition or {}),
                                   **options.keywords())
        ends = [f"{m}_{end}" for m in REGIMEN_METRICS for end in ("low", "high")] if uncertainty is not None else []
        for _, r in result.to_frame().iterrows():  # each row with its caveats (PK misses, the label, the interval's)
            rows.append({"drug": drug, "regimen": r.arm, "pathway": r.pathway, "cytokine": r.cytokine,
                         "readout": r.readout, **{m: r[m] for m in (*REGIMEN_METRICS, *ends)}, "flags": r["flags"],
                         **({"interval_covers": r["interval_covers"], "interval_flags": r["interval_flags"]}
                            if uncertainty is not None else {})})
    columns = ["drug", "regimen", "pathway", "cytokine", "readout", *REGIMEN_METRICS]
    if uncertainty is not None:
        columns += [f"{m}_{end}" for m in REGIMEN_METRICS for end in ("low", "high")] + ["interval_covers",
                                                                                        "interval_flags"]
    columns.append("flags")
    # one flag for all of them: a line per drug buried the comparison's other warnings
    flags = [f"no approved regimen tabulated for {', '.join(without_regimen)} "
             "(data/pharmacokinetics/approved_regimens.tsv): IC50s only"] if without_regimen else []
    return pd.DataFrame(rows, columns=columns), flags


__all__ = ["GAMMA_C_JAK", "SPARED_GROUP", "DrugComparison", "compare_drugs", "gamma_c_cytokines"]
