"""Every gene knocked out under each cytokine: log2 fold changes (:func:`knockout_screen`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError, refuse_repeats
from ..model import DEFAULT_PREINCUBATION, Model, check_model
from ..parallel import run
from ..results import background_text, flags_text, with_flags
from .inputs import checked_background, converted_condition, stimulus_nM
from .measures import Measure, measured_values
from .support import figure_of, signal_floor, warn_flags

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class KnockoutScreen:
    """Effect of knocking out each gene on each (cytokine, readout) pair.

    ``effects`` is long: one row per gene x cytokine x readout with the AUC of the
    wild type and of the knockout over ``window`` in ``auc_unit`` (the readout's unit x
    min: nM*min, or min for a 0-1 promoter activity) and
    ``log2_fold_change`` = log2((AUC_ko + f) / (AUC_wt + f)), where the floor f is
    1% of the wild-type AUC (at least 1e-9): a response that disappears reads
    log2(0.01 / 1.01) = -6.66 instead of minus infinity. A (cytokine, readout) pair
    whose wild-type AUC is below the detection floor (:data:`SIGNAL_FLOOR` x window)
    has no fold changes (NaN): the cytokine does not drive that readout, and a ratio
    of solver noise would mean nothing. ``flags`` names such pairs. The floor pulls fold
    changes towards 0 (a 2-fold loss reads -0.986), so :meth:`hits`, :meth:`losses` and
    :meth:`gains` judge the AUC ratio itself: a 2-fold change is a 2-fold hit.
    """

    effects: pd.DataFrame
    window: tuple[float, float]
    context: str
    background: dict = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """Genes (rows, catalog order) x (cytokine, readout) columns of log2 fold changes."""
        wide = self.effects.pivot_table(index="gene", columns=["cytokine", "readout"],
                                        values="log2_fold_change", sort=False)
        # reindex: keeps the columns of pairs without fold changes (NaN), in screen order
        pairs = pd.MultiIndex.from_frame(self.effects[["cytokine", "readout"]].drop_duplicates())
        return wide.reindex(index=pd.unique(self.effects["gene"]), columns=pairs)

    def hits(self, threshold: float = 1.0) -> pd.DataFrame:
        """Rows whose |log2 fold change| is at least ``threshold`` (default: 2-fold), gains and
        losses together (:meth:`gains`, :meth:`losses` keep them apart)."""
        return self.effects[self._log2_ratio().abs() >= threshold]

    def _log2_ratio(self) -> pd.Series:
        """log2(AUC_ko / AUC_wt) without the floor (-inf for a response that disappears), NaN
        where the screen defines no fold change."""
        e = self.effects
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.log2(e["auc_knockout"].astype(float) / e["auc_wild_type"].astype(float))
        return ratio.where(e["log2_fold_change"].notna())

    def losses(self, threshold: float = 1.0) -> pd.DataFrame:
        """Knockouts that lower the AUC at least 2**threshold-fold (default 2-fold), strongest first."""
        return self.effects[self._log2_ratio() <= -threshold].sort_values("log2_fold_change", kind="stable")

    def gains(self, threshold: float = 1.0) -> pd.DataFrame:
        """Knockouts that raise the AUC at least 2**threshold-fold (default 2-fold), strongest first."""
        return self.effects[self._log2_ratio() >= threshold].sort_values("log2_fold_change", ascending=False,
                                                                          kind="stable")

    def to_frame(self) -> pd.DataFrame:
        """The long table of ``effects`` (a copy), flags in ``attrs["flags"]``."""
        return with_flags(self.effects.copy(), self.flags)

    def summary(self) -> dict:
        """Size of the screen, its >= 2-fold hits (losses and gains apart) and its strongest effect."""
        lfc = self.effects["log2_fold_change"]
        strongest = self.effects.loc[lfc.abs().idxmax()] if lfc.notna().any() else None
        return {"genes": int(self.effects["gene"].nunique()), "cytokines": int(self.effects["cytokine"].nunique()),
                "readouts": int(self.effects["readout"].nunique()),
                "measure": f"AUC {self.window[0]:g}-{self.window[1]:g} min",
                "hits_2fold": len(self.hits(1.0)), "losses_2fold": len(self.losses(1.0)),
                "gains_2fold": len(self.gains(1.0)), "fold_changes_missing": int(lfc.isna().sum()),
                "strongest_gene": None if strongest is None else strongest["gene"],
                "strongest_pair": None if strongest is None else f"{strongest['cytokine']}/{strongest['readout']}",
                "strongest_log2_fold_change": float("nan") if strongest is None else float(strongest["log2_fold_change"]),
                "context": self.context,
                "background": background_text(self.background), "flags": flags_text(self.flags)}

    def plot(self, ax=None) -> Figure:
        """Heatmap of the log2 fold changes (drawn on ``ax`` if given); returns the Figure."""
        from .. import plots

        return figure_of(plots.knockout_heatmap(self, ax=ax))


FLOOR_FRACTION = 0.01


def log2_fold_change(knockout, wild_type, floor_fraction: float = FLOOR_FRACTION) -> np.ndarray:
    """log2((ko + f) / (wt + f)) with f = ``floor_fraction`` x |wt| (at least 1e-9)."""
    ko, wt = np.asarray(knockout, dtype=float), np.asarray(wild_type, dtype=float)
    f = np.maximum(floor_fraction * np.abs(wt), 1e-9)
    return np.log2((ko + f) / (wt + f))


def knockout_screen(model: Model, cytokines: Sequence[str] | Mapping | None = None,
                    readouts: Sequence[str] | None = None, *, genes: Sequence[str] | None = None,
                    window: tuple[float, float] = (0.0, 120.0), preincubation: float = DEFAULT_PREINCUBATION,
                    plasma: bool = False, n_jobs: int = 1, client=None, progress: bool = False,
                    engine: str = "roadrunner",
                    **condition) -> KnockoutScreen:
    """Knock out every gene of the model (DESIGN 2.1; ``genes=`` for a subset) under
    each cytokine and compare the AUC of each readout with the wild type.

    ``cytokines``: what is screened, names (standard doses) or a mapping name -> dose,
    each cytokine applied alone; default all. (Here, unlike the other experiments,
    ``cytokines`` is not a background keyword: a screen has no background cytokine.)
    ``readouts``: measured for every cytokine; default each cytokine's main
    readout. Extra keywords are a background applied to wild type and knockouts
    alike, as in :func:`dose_response` (e.g. ``knockouts=["IL13RA1"]`` screens in
    IL13RA1-null cells; background ``drugs=`` are added ``preincubation`` min, default
    30, before the cytokine, and are total plasma when marked or with ``plasma=True``).
    A knockout of a gene the background mutates (STAT5B under ``mutations={"STAT5B_N642H": 1}``)
    removes the mutant protein with it.
    Pairs whose wild-type response is below the detection floor get NaN fold
    changes, a line in ``flags`` and a :class:`JakStatWarning`.
    """
    check_model(model)
    if cytokines is None:
        cytokines = list(catalog.CYTOKINES)
    if isinstance(cytokines, str):
        cytokines = [cytokines]
    # one cytokine named twice was screened once without a word (an audit)
    refuse_repeats([catalog.cytokine(k).name for k in cytokines], "cytokines")
    if not isinstance(cytokines, Mapping):
        cytokines = {k: None for k in cytokines}
    stimuli = {catalog.cytokine(k).name: v for k, v in cytokines.items()}
    if not stimuli:
        raise InputError("knockout_screen needs at least one cytokine")
    if isinstance(readouts, str):
        readouts = [readouts]
    if readouts is not None:
        readouts = [catalog.readout(r).name for r in readouts]
        if not readouts:
            raise InputError("readouts must not be empty (None means each cytokine's main readout)")
        refuse_repeats(readouts, "readouts")  # one named twice doubled every hit (an audit)
    pairs = [(c, r) for c in stimuli for r in (readouts or [catalog.CYTOKINES[c].main_readout])]
    if isinstance(genes, str):
        genes = [genes]
    chosen = genes is not None
    genes = [catalog.gene(g).symbol for g in (genes if chosen else catalog.GENES)]
    if not genes:
        raise InputError("genes must not be empty (None means every gene)")
    refuse_repeats(genes, "genes")
    measure = Measure.make(window=window)
    bg = checked_background(condition, plasma, experiment="knockout_screen")
    model.warn_inert_background(bg.get("knockouts"), bg.get("parameters"), bg.get("mutations"))
    background_ko = bg.pop("knockouts", None) or []
    background_ko = [background_ko] if isinstance(background_ko, str) else list(background_ko)
    gone = {catalog.gene(g).symbol for g in background_ko}
    if chosen and gone & set(genes):
        # its knockout would change nothing (a log2 fold change of 0, once given without a word)
        raise InputError(f"{', '.join(sorted(gone & set(genes)))} is knocked out in the background and screened: "
                         "remove it from genes= or from knockouts=")
    genes = [g for g in genes if g not in gone]  # every gene but those already knocked out
    conditions, keys = [], []
    for c, dose in stimuli.items():
        common = dict(bg, cytokines=stimulus_nM(bg, catalog.CYTOKINES[c], dose), preincubation=preincubation,
                      t_end=measure.t_end, points=measure.points)
        for gene in [None, *genes]:
            ko = background_ko + ([gene] if gene else [])
            own = dict(common)
            if gene and own.get("mutations"):  # knocking out a mutated gene removes its mutant protein too
                own["mutations"] = {m: f for m, f in dict(own["mutations"]).items()
                                    if catalog.mutation(m).gene != catalog.gene(gene).symbol}
            conditions.append(converted_condition(**own, knockouts=ko))
            keys.append((c, gene))
    measured = sorted({r for _, r in pairs})
    df = run(model, conditions, readouts=measured, n_jobs=n_jobs, client=client, progress=progress,
             engine=engine)
    auc = measured_values(df, len(conditions), measured, measure)
    index = {k: i for i, k in enumerate(keys)}
    flags, silent = [], set()
    for c, r in pairs:
        wt = auc[r][index[(c, None)]]
        floor = signal_floor(measure, wt)
        if abs(wt) <= floor:
            silent.add((c, r))
            raised = [g for g in genes if abs(auc[r][index[(c, g)]]) > floor]
            extra = f"; knockouts with a detectable {r}: {', '.join(raised)}" if raised else ""
            flags.append(f"{c} does not drive {r} in context {model.context!r} (wild-type {measure.label} "
                         f"{wt:.3g} {measure.unit(r)}, below the {floor:.2g} {measure.unit(r)} detection floor): "
                         f"no fold changes for this pair{extra}")
    rows = []
    for gene in genes:
        for c, r in pairs:
            wt = auc[r][index[(c, None)]]
            ko = auc[r][index[(c, gene)]]
            rows.append({"gene": gene, "module": catalog.GENES[gene].module, "cytokine": c, "readout": r,
                         "auc_wild_type": wt, "auc_knockout": ko, "auc_unit": measure.unit(r),
                         "log2_fold_change": math.nan if (c, r) in silent else float(log2_fold_change(ko, wt))})
    if background_ko:
        bg["knockouts"] = background_ko
    effects = pd.DataFrame(rows)
    effects.attrs["flags"] = tuple(flags)
    warn_flags(flags)
    return KnockoutScreen(effects, measure.window, model.context, bg, tuple(flags))
