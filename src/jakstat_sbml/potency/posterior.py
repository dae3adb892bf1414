"""A statistical model of drug potency across assays, fitted by MCMC (NumPyro's NUTS).

For measured row *i* (drug *d*, source *s*, matrix *m*) the log10 IC50 as added is

    y_i = r_i + theta_d + kappa_k - log10 fu_m(i) + u_s + e_i

- ``r_i``: the mechanistic model's log10 free IC50 for the row at reference potency
  (:mod:`.reference`; simulated once, exact under the potency factor);
- ``theta_d``: log10 of the drug's cellular potency factor (its apparent cellular Ki
  over the Cheng-Prusoff prediction), prior Normal(0, 1): the hypothesis that the ATP
  shift explains cellular potency, give or take two decades;
- ``kappa_k``: offset of a proliferation, colony or reporter assay against STAT
  phosphorylation (0 for pSTAT rows), prior Normal(0, 0.5);
- ``fu_m(i)``: free / added in the row's matrix (:mod:`.free_drug`), from the drug's
  ``fu_plasma`` and blood-to-plasma ratio and the serum's albumin, all fitted with
  priors from their sourced ranges; a medium whose serum % is not stated has one
  unknown serum % per source, uniform over the default range;
- ``u_s``: between-source (between-assay) variability, Normal(0, tau), tau ~
  HalfNormal(0.5);
- ``e_i``: within-source residual, Normal(0, sigma), sigma ~ HalfNormal(0.5)
  (both were 0.3 and 0.2 until the fitted sigma was seen in its prior's upper tail; the
  wider scales were adopted by a rule fixed before their cross-validation,
  docs/pharmacology.md 7).

Optional terms: ``jak_terms`` (each drug's per-JAK deviations through the row's
elasticities), ``robust`` (Student-t residuals) and ``system_terms``: one effect per
assay system, the (model context, cytokine) pair a row is read in, ``u_system ~
Normal(0, tau_system)``, shared by every drug and source measured in that system (a
structural error of the mechanistic model there, e.g. a context read as a cell line it
does not describe). A prediction in a system the fit rows inform uses that system's
draws; in any other system a new one drawn from Normal(0, tau_system).

Rows reported as ``<`` or ``>`` enter through the normal CDF (censored). Rows with a
weight of 0 are carried but not fitted: a left-out source keeps its random effect and
unknown serum % at their priors, which is exactly the predictive distribution of a
new source (used by the cross-validation, :mod:`.crossval`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalog
from ..errors import InputError
from ..optional import require
from .free_drug import (
    ALBUMINS,
    MATRIX_CODES,
    NOT_STATED_WHOLE_BLOOD_PRIOR,
    SERUM_ALBUMIN,
    drug_priors,
    matrix_priors,
    medium_fraction,
    serum_percent_range,
    whole_blood_fraction,
)
from .measurements import measurements, number, table_digest
from .reference import JAKS, reference_ic50s

KINDS = ("pSTAT", "proliferation", "colony", "reporter")
RELATION_CODES = {"=": 0, "<": 1, ">": 2}
THETA_PRIOR_SD = 1.0  # log10; Cheng-Prusoff within ~2 decades (95%)
# log10; half-normal scales of the between-source sd (tau) and the within-source sd (sigma):
# a factor of about 2 at the prior's median, 10x at its 95th percentile. Were 0.3 and 0.2
# (FORMER_VARIANCE_SCALES), which held sigma in its prior's upper tail; the wider ones were
# adopted by the rule fixed before their cross-validation (docs/pharmacology.md 7).
TAU_SCALE = 0.5
SIGMA_SCALE = 0.5
VARIANCE_SCALES = (TAU_SCALE, SIGMA_SCALE)
FORMER_VARIANCE_SCALES = (0.3, 0.2)
TAU_JAK_SCALE = 0.3  # log10; half-normal scale of the per-JAK deviations' sd
# log10; half-normal scale of the between-system sd, the between-source one's when the system
# terms were tested (an assumption): a context's structural error for a cytokine is expected
# to be of the size of an assay's, a factor of about 2 (sd), plausibly up to 10x (the tail).
TAU_SYSTEM_SCALE = 0.3
SYSTEM_PREFIX = "system_"  # draws column of one system's effect: system_<context>:<cytokine>
KAPPA_SD = 0.5  # log10; assay-kind offsets
# Degrees of freedom of the Student-t residual, fixed: 4 is the robust choice of Lange,
# Little & Taylor (J Am Stat Assoc 1989, doi:10.1080/01621459.1989.10478852), heavy-tailed
# enough that an assay far from the rest does not widen every interval, yet with finite
# variance. (Fitting it is not possible here: JAX has no gradient of the t CDF in its
# degrees of freedom, which the censored rows need.)
STUDENT_T_DF = 4.0
DEFAULT_DRAWS = 1000  # per chain after warm-up
DEFAULT_WARMUP = 1000
DEFAULT_CHAINS = 2


@dataclass(frozen=True)
class PotencyData:
    """The arrays the sampler sees, one entry per usable row (rows whose reference IC50
    the model could not determine are listed in ``dropped``)."""

    rows: pd.DataFrame  # the measured rows used, with their reference IC50s
    drugs: tuple[str, ...]
    sources: tuple[str, ...]
    y: np.ndarray  # log10 IC50 as added (nM)
    relation: np.ndarray
    reference: np.ndarray  # log10 model free IC50 at factor 1
    drug: np.ndarray
    source: np.ndarray
    matrix: np.ndarray
    albumin: np.ndarray  # index into ALBUMINS of the row's serum
    serum_percent: np.ndarray  # NaN where not stated
    kind: np.ndarray
    elasticity: np.ndarray  # rows x JAKS: d log10 IC50 / d log10 K(drug, JAK); zeros when not simulated
    jak_terms: bool = False  # whether the model carries per-drug, per-JAK deviations
    robust: bool = False  # Student-t residuals (4 degrees of freedom) instead of normal ones
    system_terms: bool = False  # whether the model carries one effect per (context, cytokine) system
    # half-normal scales (log10) of the between-source tau and the within-source sigma
    variance_scales: tuple[float, float] = VARIANCE_SCALES
    systems: tuple[str, ...] = ()  # the rows' systems, named by system_name
    system: np.ndarray = field(default_factory=lambda: np.zeros(0, int))  # index into systems per row
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def latent_serum_sources(self) -> np.ndarray:
        """Indices of the sources with a medium (or not-stated) row whose serum % is not stated."""
        medium = np.isin(self.matrix, (MATRIX_CODES["medium_serum"], MATRIX_CODES["not_stated"])) \
            & np.isnan(self.serum_percent)
        return np.unique(self.source[medium])


def check_variance_scales(scales) -> tuple[float, float]:
    """``scales`` (tau's, sigma's; None for the shipped ones) as two positive floats, or an InputError."""
    if scales is None:
        return VARIANCE_SCALES
    try:
        tau, sigma = (float(x) for x in scales)
    except (TypeError, ValueError):
        raise InputError(f"variance_scales must be two numbers (tau's, sigma's half-normal scale, log10), "
                         f"not {scales!r}") from None
    if not (np.isfinite(tau) and np.isfinite(sigma) and tau > 0 and sigma > 0):
        raise InputError(f"variance_scales must be positive and finite, not {scales!r}")
    return tau, sigma


def system_name(context: str, cytokine: str) -> str:
    """The assay system a row or prediction is read in: its model context and cytokine."""
    return f"{context}:{cytokine}"


def potency_data(rows: pd.DataFrame | None = None, reference: pd.DataFrame | None = None, *,
                 jak_terms: bool = False, robust: bool = False, system_terms: bool = False,
                 variance_scales: tuple[float, float] | None = None) -> PotencyData:
    """Arrays of ``rows`` (default: every modelled row, fit and test) for the sampler;
    ``jak_terms`` adds each drug's per-JAK deviations, acting through the rows'
    elasticities (the reference table must have them); ``system_terms`` one effect per
    (context, cytokine) system; ``variance_scales`` the half-normal prior scales (log10) of
    tau and sigma (default ``VARIANCE_SCALES``)."""
    variance_scales = check_variance_scales(variance_scales)
    rows = measurements() if rows is None else rows
    if rows.empty:
        raise InputError("no measured rows for the potency model")
    reference = reference_ic50s(rows, with_elasticities=jak_terms) if reference is None else reference
    e_columns = [f"e_{j}" for j in JAKS]
    if jak_terms and not set(e_columns) <= set(reference.columns):
        raise InputError("per-JAK terms need the rows' elasticities: reference_ic50s(..., with_elasticities=True)")
    keep = ["id", "reference_nM", "status"] + [c for c in e_columns if c in reference.columns]
    table = rows.merge(reference[keep], on="id", how="left", validate="one_to_one")
    usable = (table["status"] == "ok") & np.isfinite(table["reference_nM"]) & (table["reference_nM"] > 0)
    dropped = table[~usable][["id", "drug", "context", "cytokine", "readout", "status"]]
    table = table[usable].reset_index(drop=True)
    drugs = tuple(dict.fromkeys(table["drug"]))
    sources = tuple(dict.fromkeys(table["source_id"]))
    row_systems = [system_name(c, k) for c, k in zip(table["context"], table["cytokine"])]
    systems = tuple(dict.fromkeys(row_systems))
    unknown = sorted(set(table["assay_kind"]) - set(KINDS))
    if unknown:
        raise InputError(f"assay_kind {unknown[0]!r} is not one of {', '.join(KINDS)}")
    return PotencyData(
        rows=table, drugs=drugs, sources=sources,
        y=np.log10(table["ic50_nM"].to_numpy(float)),
        relation=table["relation"].map(RELATION_CODES).to_numpy(int),
        reference=np.log10(table["reference_nM"].to_numpy(float)),
        drug=table["drug"].map({d: i for i, d in enumerate(drugs)}).to_numpy(int),
        source=table["source_id"].map({s: i for i, s in enumerate(sources)}).to_numpy(int),
        matrix=table["matrix"].map(MATRIX_CODES).to_numpy(int),
        albumin=table["serum_type"].map(lambda t: ALBUMINS.index(SERUM_ALBUMIN.get(t, "fbs_albumin")))
        .to_numpy(int),
        serum_percent=np.array([number(v) for v in table["serum_percent"]], float),
        kind=table["assay_kind"].map({k: i for i, k in enumerate(KINDS)}).to_numpy(int),
        elasticity=np.nan_to_num(table[e_columns].to_numpy(float)) if jak_terms else np.zeros((len(table), len(JAKS))),
        jak_terms=jak_terms, robust=robust, system_terms=system_terms, variance_scales=variance_scales,
        systems=systems,
        system=np.array([systems.index(s) for s in row_systems], int), dropped=dropped.reset_index(drop=True))


def _row_means(xp, data: PotencyData, base, fu, bp, albumin, serum):
    """Each row's mean log10 IC50 as added, were it whole blood and were it medium
    (``base``: everything but the matrix; ``fu``, ``bp`` per drug, ``albumin`` per
    serum kind, on the last axis; ``serum`` per row)."""
    ratio = albumin[..., data.albumin] / albumin[..., :1]
    blood = whole_blood_fraction(fu[..., data.drug], bp[..., data.drug])
    medium = medium_fraction(serum, fu[..., data.drug], ratio)
    return base - xp.log10(blood), base - xp.log10(medium)


def _numpyro_model(data: PotencyData, weight):
    """The statistical model (module docstring), written for NumPyro."""
    numpyro = require("numpyro", "the drug-potency posterior")
    import jax.numpy as jnp
    from jax.scipy.stats import norm
    from numpyro import distributions as dist

    n_drugs, n_sources = len(data.drugs), len(data.sources)
    theta = numpyro.sample("theta", dist.Normal(jnp.zeros(n_drugs), THETA_PRIOR_SD))
    priors = [drug_priors(d) for d in data.drugs]
    log_fu = numpyro.sample("log10_fu", dist.Normal(jnp.array([p["fu_plasma"].mean for p in priors]),
                                                    jnp.array([p["fu_plasma"].sd for p in priors])))
    log_bp = numpyro.sample("log10_bp", dist.Normal(jnp.array([p["blood_to_plasma"].mean for p in priors]),
                                                    jnp.array([p["blood_to_plasma"].sd for p in priors])))
    albumin_priors = matrix_priors()
    log_albumin = numpyro.sample("log10_albumin", dist.Normal(
        jnp.array([albumin_priors[a].mean for a in ALBUMINS]), jnp.array([albumin_priors[a].sd for a in ALBUMINS])))
    kappa = numpyro.sample("kappa", dist.Normal(jnp.zeros(len(KINDS) - 1), KAPPA_SD))
    tau = numpyro.sample("tau", dist.HalfNormal(data.variance_scales[0]))
    sigma = numpyro.sample("sigma", dist.HalfNormal(data.variance_scales[1]))
    z = numpyro.sample("z", dist.Normal(jnp.zeros(n_sources), 1.0))
    jak = 0.0
    if data.jak_terms:
        tau_jak = numpyro.sample("tau_jak", dist.HalfNormal(TAU_JAK_SCALE))
        zj = numpyro.sample("zj", dist.Normal(jnp.zeros((n_drugs, len(JAKS))), 1.0))
        jak = jnp.sum(data.elasticity * (tau_jak * zj)[data.drug], axis=1)
    system = 0.0
    if data.system_terms:  # non-centred, as the source effects
        tau_system = numpyro.sample("tau_system", dist.HalfNormal(TAU_SYSTEM_SCALE))
        zs = numpyro.sample("zs", dist.Normal(jnp.zeros(len(data.systems)), 1.0))
        system = tau_system * zs[data.system]
    latent = data.latent_serum_sources
    _, low, high = serum_percent_range()
    serum_by_source = jnp.full(n_sources, jnp.nan)
    if latent.size:
        s = numpyro.sample("serum_percent", dist.Uniform(jnp.full(latent.size, low), jnp.full(latent.size, high)))
        serum_by_source = serum_by_source.at[latent].set(s)
    serum = jnp.where(jnp.isnan(data.serum_percent), serum_by_source[data.source], data.serum_percent)
    serum = jnp.where(jnp.isnan(serum), 0.0, serum)  # rows that are not in medium do not use it
    base = (data.reference + theta[data.drug] + jnp.concatenate([jnp.zeros(1), kappa])[data.kind]
            + tau * z[data.source] + jak + system)
    mu_blood, mu_medium = _row_means(jnp, data, base, 10.0 ** log_fu, 10.0 ** log_bp, 10.0 ** log_albumin, serum)

    if data.robust:
        residual = dist.StudentT(STUDENT_T_DF, 0.0, 1.0)

        def loglik(mu):
            zscore = (data.y - mu) / sigma
            upper = jnp.log(jnp.clip(residual.cdf(zscore), 1e-300, 1.0))
            lower = jnp.log(jnp.clip(residual.cdf(-zscore), 1e-300, 1.0))
            return jnp.where(data.relation == 0, residual.log_prob(zscore) - jnp.log(sigma),
                             jnp.where(data.relation == 1, upper, lower))
    else:
        def loglik(mu):
            zscore = (data.y - mu) / sigma
            return jnp.where(data.relation == 0, norm.logpdf(zscore) - jnp.log(sigma),
                             jnp.where(data.relation == 1, norm.logcdf(zscore), norm.logcdf(-zscore)))

    known = jnp.where(data.matrix == MATRIX_CODES["whole_blood"], mu_blood,
                      jnp.where(data.matrix == MATRIX_CODES["medium_serum_free"], base, mu_medium))
    p = NOT_STATED_WHOLE_BLOOD_PRIOR
    either = jnp.logaddexp(jnp.log(p) + loglik(mu_blood), jnp.log(1 - p) + loglik(mu_medium))
    numpyro.factor("rows", jnp.sum(weight * jnp.where(data.matrix == MATRIX_CODES["not_stated"], either,
                                                      loglik(known))))


@dataclass(frozen=True)
class Posterior:
    """Posterior draws of the potency model: ``draws`` has one row per draw and columns
    ``theta_<drug>`` (log10 cellular factor), ``fu_<drug>``, ``bp_<drug>``, ``tau``,
    ``sigma``, ``albumin_*``, ``kappa_<kind>``; ``diagnostics`` the sampler's checks;
    ``info`` how it was made (rows, sources, data digest, seed, versions)."""

    draws: pd.DataFrame
    diagnostics: pd.DataFrame
    info: dict

    @property
    def drugs(self) -> list[str]:
        return [c.removeprefix("theta_") for c in self.draws.columns if c.startswith("theta_")]

    def factor_draws(self, drug: str) -> np.ndarray:
        """Draws of the drug's cellular potency factor (linear scale)."""
        column = f"theta_{drug}"
        if column not in self.draws:
            raise InputError(f"the potency posterior has no {drug}: no measured row informs it "
                             f"(drugs with one: {', '.join(self.drugs)})")
        return 10.0 ** self.draws[column].to_numpy()

    @property
    def jak_terms(self) -> bool:
        return bool(self.info.get("jak_terms"))

    @property
    def system_terms(self) -> bool:
        return bool(self.info.get("system_terms"))

    @property
    def variance_scales(self) -> tuple[float, float]:
        """The prior scales of tau and sigma it was fitted with; a posterior stored before
        they were recorded was fitted under the former ones."""
        return (float(self.info.get("tau_scale", FORMER_VARIANCE_SCALES[0])),
                float(self.info.get("sigma_scale", FORMER_VARIANCE_SCALES[1])))

    @property
    def systems(self) -> list[str]:
        """The (context, cytokine) systems whose effect the fit rows inform."""
        return [c.removeprefix(SYSTEM_PREFIX) for c in self.draws.columns if c.startswith(SYSTEM_PREFIX)]

    def system_draws(self, system: str | None, standard: np.ndarray) -> np.ndarray:
        """Draws of the effect of ``system`` (:func:`system_name`): the fitted system's
        own where the fit rows inform it, otherwise a new system's, ``tau_system`` times
        the ``standard`` normal draws; zeros when the model has no system terms."""
        if not self.system_terms:
            return np.zeros(len(self.draws))
        column = f"{SYSTEM_PREFIX}{system}"
        if system is not None and column in self.draws:
            return self.draws[column].to_numpy()
        return self.draws["tau_system"].to_numpy() * standard

    def new_source_draws(self, drug: str, seed: int = 0, elasticity: dict[str, float] | None = None, *,
                         source_effect: np.ndarray | None = None,
                         residual: np.ndarray | None = None, system: str | None = None,
                         system_effect: np.ndarray | None = None) -> np.ndarray:
        """log10 potency shift of a new assay for each draw: theta + u_new + e_new (+ the
        per-JAK deviations through the prediction's ``elasticity``, where the model has
        them, and the effect of the assay ``system``, :func:`system_name`, where it has
        system terms: a fitted system's own draws, otherwise a new system's), the
        predictive distribution of what one more source would measure (free terms).
        ``source_effect``, ``residual`` and ``system_effect`` are the standard draws of
        u_new, e_new and a new system's effect (default: drawn from ``seed``); two drugs
        measured in one new assay share the source and system effects."""
        rng = np.random.default_rng(seed)
        n = len(self.draws)
        theta = np.log10(self.factor_draws(drug))
        tau = self.draws["tau"].to_numpy()
        sigma = self.draws["sigma"].to_numpy()
        u = rng.standard_normal(n) if source_effect is None else source_effect
        if residual is None:
            residual = rng.standard_t(STUDENT_T_DF, n) if self.info.get("robust") else rng.standard_normal(n)
        if system_effect is None:
            system_effect = rng.standard_normal(n)
        out = theta + tau * u + sigma * residual + self.system_draws(system, system_effect)
        if self.jak_terms and elasticity:
            for jak, e in elasticity.items():
                column = f"delta_{drug}_{jak}"
                if column in self.draws and np.isfinite(e):
                    out = out + e * self.draws[column].to_numpy()
        return out

    def summary(self) -> pd.DataFrame:
        """Median and 90% credible interval of every quantity (linear scale for factors)."""
        out = []
        for column in self.draws.columns:
            v = self.draws[column].to_numpy()
            if column.startswith("theta_"):
                v, column = 10.0 ** v, "factor_" + column.removeprefix("theta_")
            q = np.quantile(v, [0.05, 0.5, 0.95])
            out.append({"quantity": column, "median": q[1], "low_90": q[0], "high_90": q[2]})
        return pd.DataFrame(out)

    def to_frame(self) -> pd.DataFrame:
        return self.draws.copy()

    def converged(self) -> bool:
        d = self.diagnostics
        return bool((d["r_hat"] < 1.05).all() and (d["n_eff"] > 100).all() and self.info.get("divergences", 0) == 0)


def sample(data: PotencyData, weight: np.ndarray | None = None, *, draws: int = DEFAULT_DRAWS,
           warmup: int = DEFAULT_WARMUP, chains: int = DEFAULT_CHAINS, seed: int = 0,
           progress: bool = False):
    """Run NUTS; returns (samples dict of arrays with a leading draw axis, diagnostics
    frame, number of divergences)."""
    numpyro = require("numpyro", "the drug-potency posterior")
    import jax
    from numpyro.diagnostics import summary as numpyro_summary
    from numpyro.infer import MCMC, NUTS

    numpyro.enable_x64()
    w = np.ones(len(data)) if weight is None else np.asarray(weight, float)
    mcmc = MCMC(NUTS(_numpyro_model, target_accept_prob=0.9), num_warmup=warmup, num_samples=draws,
                num_chains=chains, chain_method="sequential", progress_bar=progress)
    mcmc.run(jax.random.PRNGKey(seed), data, w, extra_fields=("diverging",))
    grouped = mcmc.get_samples(group_by_chain=True)
    stats = numpyro_summary({k: np.asarray(v) for k, v in grouped.items()}, group_by_chain=True)
    rows = []
    for name, s in stats.items():
        r_hat, n_eff = np.ravel(s["r_hat"]), np.ravel(s["n_eff"])
        for i in range(r_hat.size):
            rows.append({"parameter": name if r_hat.size == 1 else f"{name}[{i}]", "r_hat": float(r_hat[i]),
                         "n_eff": float(n_eff[i])})
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    samples = {k: np.asarray(v) for k, v in mcmc.get_samples().items()}
    return samples, pd.DataFrame(rows), divergences


def draws_frame(data: PotencyData, samples: dict) -> pd.DataFrame:
    """Named columns of the global quantities (per-source terms stay in ``samples``)."""
    out = {}
    for i, d in enumerate(data.drugs):
        out[f"theta_{d}"] = samples["theta"][:, i]
        out[f"fu_{d}"] = 10.0 ** samples["log10_fu"][:, i]
        out[f"bp_{d}"] = 10.0 ** samples["log10_bp"][:, i]
    for i, a in enumerate(ALBUMINS):
        out[a] = 10.0 ** samples["log10_albumin"][:, i]
    for i, k in enumerate(KINDS[1:]):
        out[f"kappa_{k}"] = samples["kappa"][:, i]
    out["tau"] = samples["tau"]
    out["sigma"] = samples["sigma"]
    if data.jak_terms:
        delta = samples["tau_jak"][:, None, None] * samples["zj"]
        for i, d in enumerate(data.drugs):
            for j, jak in enumerate(JAKS):
                out[f"delta_{d}_{jak}"] = delta[:, i, j]
        out["tau_jak"] = samples["tau_jak"]
    if data.system_terms:
        effect = samples["tau_system"][:, None] * samples["zs"]
        for i, system in enumerate(data.systems):
            out[f"{SYSTEM_PREFIX}{system}"] = effect[:, i]
        out["tau_system"] = samples["tau_system"]
    return pd.DataFrame(out)


def row_predictions(data: PotencyData, samples: dict, seed: int = 0) -> np.ndarray:
    """Predictive draws of each row's log10 IC50 as added (draws x rows): every
    uncertain term at its draw, a new within-source residual, and for a matrix the
    source does not state, whole blood or medium drawn at their prior odds."""
    rng = np.random.default_rng(seed)
    n = samples["theta"].shape[0]
    serum_by_source = np.full((n, len(data.sources)), np.nan)
    latent = data.latent_serum_sources
    if latent.size:
        serum_by_source[:, latent] = samples["serum_percent"]
    serum = np.where(np.isnan(data.serum_percent)[None, :], serum_by_source[:, data.source], data.serum_percent)
    serum = np.where(np.isnan(serum), 0.0, serum)
    offset = np.concatenate([np.zeros((n, 1)), samples["kappa"]], axis=1)[:, data.kind]
    base = (data.reference[None, :] + samples["theta"][:, data.drug] + offset
            + samples["tau"][:, None] * samples["z"][:, data.source])
    if data.jak_terms:
        delta = samples["tau_jak"][:, None, None] * samples["zj"]  # draws x drugs x JAKs
        base = base + np.einsum("rj,nrj->nr", data.elasticity, delta[:, data.drug, :])
    if data.system_terms:
        base = base + samples["tau_system"][:, None] * samples["zs"][:, data.system]
    mu_blood, mu_medium = _row_means(np, data, base, 10.0 ** samples["log10_fu"], 10.0 ** samples["log10_bp"],
                                     10.0 ** samples["log10_albumin"], serum)
    blood = rng.random(base.shape) < NOT_STATED_WHOLE_BLOOD_PRIOR
    matrix = np.where(data.matrix[None, :] == MATRIX_CODES["not_stated"],
                      np.where(blood, MATRIX_CODES["whole_blood"], MATRIX_CODES["medium_serum"]), data.matrix[None, :])
    mu = np.where(matrix == MATRIX_CODES["whole_blood"], mu_blood,
                  np.where(matrix == MATRIX_CODES["medium_serum_free"], base, mu_medium))
    if data.robust:  # Student-t residuals
        noise = rng.standard_t(STUDENT_T_DF, size=mu.shape)
    else:
        noise = rng.standard_normal(mu.shape)
    return mu + samples["sigma"][:, None] * noise


def fit_posterior(rows: pd.DataFrame | None = None, *, reference: pd.DataFrame | None = None,
                  draws: int = DEFAULT_DRAWS, warmup: int = DEFAULT_WARMUP, chains: int = DEFAULT_CHAINS,
                  seed: int = 0, jak_terms: bool = False, robust: bool = False, system_terms: bool = False,
                  variance_scales: tuple[float, float] | None = None, progress: bool = False) -> Posterior:
    """Fit the potency model to the ``fit`` rows (default: the modelled rows marked fit);
    ``jak_terms`` adds each drug's per-JAK deviations from its biochemical selectivity,
    ``system_terms`` one effect per (context, cytokine) system, ``variance_scales`` the
    prior scales of tau and sigma."""
    rows = measurements(roles=("fit",)) if rows is None else rows[rows["role"] == "fit"]
    data = potency_data(rows, reference, jak_terms=jak_terms, robust=robust, system_terms=system_terms,
                        variance_scales=variance_scales)
    samples, diagnostics, divergences = sample(data, draws=draws, warmup=warmup, chains=chains, seed=seed,
                                               progress=progress)
    import numpyro

    info = {"rows": len(data), "sources": len(data.sources), "drugs": list(data.drugs),
            "dropped_rows": data.dropped["id"].tolist(), "data_digest": table_digest(), "seed": seed,
            "draws_per_chain": draws, "warmup": warmup, "chains": chains, "divergences": divergences,
            "jak_terms": jak_terms, "robust": robust, "system_terms": system_terms,
            "tau_scale": data.variance_scales[0], "sigma_scale": data.variance_scales[1],
            "systems": list(data.systems) if system_terms else [], "sampler": f"NumPyro {numpyro.__version__} NUTS"}
    return Posterior(draws_frame(data, samples), diagnostics, info)


# ----------------------------------------------------------------------------- storage

def posterior_folder() -> Path:
    return catalog.models_dir() / "potency"


def store_posterior(posterior: Posterior, folder: str | Path | None = None) -> list[Path]:
    """Write the draws (posterior.tsv), diagnostics and how they were made (posterior.json)."""
    folder = Path(folder) if folder is not None else catalog.writable_models_dir() / "potency"
    folder.mkdir(parents=True, exist_ok=True)
    draws, diagnostics, info = folder / "posterior.tsv", folder / "posterior_diagnostics.tsv", folder / "posterior.json"
    posterior.draws.to_csv(draws, sep="\t", index=False, float_format="%.6g")
    posterior.diagnostics.to_csv(diagnostics, sep="\t", index=False, float_format="%.4g")
    info.write_text(json.dumps(posterior.info, indent=2) + "\n", encoding="utf-8")
    forget_loaded()
    return [draws, diagnostics, info]


_LOADED: dict[Path, Posterior] = {}


def load_posterior(folder: str | Path | None = None) -> Posterior:
    """The stored posterior (models/potency/); an InputError says how to make one."""
    folder = Path(folder) if folder is not None else posterior_folder()
    if folder in _LOADED:
        return _LOADED[folder]
    draws = folder / "posterior.tsv"
    if not draws.exists():
        raise InputError(f"no stored potency posterior in {folder}: `make pharmacology` fits and stores it")
    info = json.loads((folder / "posterior.json").read_text(encoding="utf-8"))
    diagnostics = pd.read_csv(folder / "posterior_diagnostics.tsv", sep="\t")
    posterior = Posterior(pd.read_csv(draws, sep="\t"), diagnostics, info)
    _LOADED[folder] = posterior
    return posterior


def forget_loaded() -> None:
    _LOADED.clear()


def posterior_is_current(posterior: Posterior) -> bool:
    return posterior.info.get("data_digest") == table_digest()


def median_factor(posterior: Posterior, drug: str) -> float:
    return float(np.median(posterior.factor_draws(drug)))


def gmfe(fold_errors) -> float:
    fe = np.asarray(fold_errors, float)
    fe = fe[np.isfinite(fe)]
    return float(10 ** np.mean(np.log10(fe))) if fe.size else math.nan


def new_source_samples(posterior: Posterior, data: PotencyData, seed: int = 0) -> dict:
    """The stored draws in the sampler's layout, with every source of ``data`` new: its
    random effect and unknown serum % drawn from their priors. Feeding this to
    :func:`row_predictions` predicts each row as an assay no fit has seen. Where the
    posterior has system terms, a system it was fitted to keeps its own draws and any
    other is new (``data`` then carries them too)."""
    rng = np.random.default_rng(seed)
    d = posterior.draws
    n = len(d)
    missing = [drug for drug in data.drugs if f"theta_{drug}" not in d]
    if missing:
        raise InputError(f"the potency posterior has no {missing[0]}: no fitted row informs it")
    _, low, high = serum_percent_range()
    return {"theta": np.column_stack([d[f"theta_{x}"] for x in data.drugs]),
            "log10_fu": np.log10(np.column_stack([d[f"fu_{x}"] for x in data.drugs])),
            "log10_bp": np.log10(np.column_stack([d[f"bp_{x}"] for x in data.drugs])),
            "log10_albumin": np.log10(np.column_stack([d[a] for a in ALBUMINS])),
            "kappa": np.column_stack([d[f"kappa_{k}"] for k in KINDS[1:]]),
            "tau": d["tau"].to_numpy(), "sigma": d["sigma"].to_numpy(),
            "z": rng.standard_normal((n, len(data.sources))),
            "serum_percent": rng.uniform(low, high, (n, data.latent_serum_sources.size)),
            **(_jak_samples(posterior, data) if data.jak_terms else {}),
            **(_system_samples(posterior, data, rng) if data.system_terms else {})}


def _system_samples(posterior: Posterior, data: PotencyData, rng: np.random.Generator) -> dict:
    """The systems' effects in the sampler's layout (tau_system x zs = effect): a fitted
    system's stored draws, a new system's drawn from Normal(0, tau_system)."""
    if not posterior.system_terms:
        raise InputError("the potency posterior was fitted without system terms: refit it with system_terms=True")
    n = len(posterior.draws)
    effect = np.column_stack([posterior.system_draws(s, rng.standard_normal(n)) for s in data.systems])
    return {"tau_system": np.ones(n), "zs": effect}


def _jak_samples(posterior: Posterior, data: PotencyData) -> dict:
    """The stored per-JAK deviations in the sampler's layout (tau_jak x zj = delta)."""
    d = posterior.draws
    delta = np.stack([np.column_stack([d[f"delta_{x}_{j}"] for j in JAKS]) for x in data.drugs], axis=1)
    return {"tau_jak": np.ones(len(d)), "zj": delta}
