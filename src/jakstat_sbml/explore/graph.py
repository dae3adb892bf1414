"""The pathway map as a graph, read from the model itself.

Nodes and edges come from the compiled SBML (libsbml) and the catalog, never from
a drawing: a receptor, gene or dimer added to the model appears on the map.

- Gene nodes: every gene of the catalog, placed by its catalog module (cytokines,
  receptors, kinases, stats, feedback, ptps, pias). Its SBML species are those whose
  annotation names the gene (``bqbiol:is`` / ``hasPart`` hgnc.symbol).
- Species nodes: STAT dimers (SBO:0000253 complexes made of STATs, IRF9 allowed)
  in the cytoplasm and the nucleus, mRNAs (SBO:0000250), drugs (SBO:0000247).
- Edges, each from reactions of a given SBO term: binding (cytokine-chain,
  chain-JAK), phosphorylation (the JAKs of the active complexes its rate law reads,
  assignment rules expanded -> STAT), dimerisation, nuclear import, transcription
  (nuclear dimers its rate law reads -> mRNA), translation, brakes (SOCS/CISH
  binding and phosphatase-dependent dephosphorylation of a receptor complex are
  drawn to the complex's JAKs; of a STAT form to that form), PIAS binding, and
  drugs -> their catalog targets.

Positions: each node gets a row by its role (:data:`ROWS`, membrane on top,
nucleus below) and igraph's Sugiyama layout orders the nodes within the rows to
cut edge crossings. The browser page and the static picture use these positions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import libsbml

from .. import catalog
from ..errors import ModelFileError

# SBO terms the map reads (the build annotates every species and reaction with one).
SBO_DRUG, SBO_RNA, SBO_PROTEIN, SBO_COMPLEX = 247, 250, 252, 253
SBO_BINDING, SBO_PHOSPHORYLATION, SBO_DEPHOSPHORYLATION = 177, 216, 330
SBO_TRANSCRIPTION, SBO_TRANSLATION, SBO_TRANSPORT = 183, 184, 185

# Species id tokens that mark a state, not a protein (the model's naming convention,
# models/generated/stats.ant): "p" an active (phosphorylated) receptor complex, pSTATx a
# phosphorylated STAT.
STATE_TOKENS = {"p", "nuc", "cyt", "mRNA"}

# Role -> (row, label of the row, compartment band). Rows run from the medium
# (top) through the membrane and cytoplasm to the nucleus, as in a textbook figure.
ROWS: dict[str, tuple[int, str, str]] = {
    "ligand": (0, "cytokines", "extracellular"),
    "chain": (1, "receptor chains", "cytoplasm"),
    "jak": (2, "JAKs", "cytoplasm"),
    "brake": (3, "brakes: SOCS/CISH, phosphatases", "cytoplasm"),
    "drug": (4, "drugs", "cytoplasm"),
    "stat": (5, "STATs", "cytoplasm"),
    "dimer": (6, "STAT dimers", "cytoplasm"),
    "nuclear": (7, "nuclear dimers", "nucleus"),
    "nuclear_brake": (8, "nuclear brakes: TC-PTP, PIAS", "nucleus"),
    "target": (9, "target genes (mRNA)", "nucleus"),
}
# catalog module -> role of its genes
MODULE_ROLES = {"cytokines": "ligand", "receptors": "chain", "kinases": "jak", "stats": "stat",
                "feedback": "brake", "ptps": "brake", "pias": "nuclear_brake"}

# The map is an SBGN Activity Flow diagram (docs/sbgn.md): each node is the activity of
# an entity, each edge an influence. GLYPHS is the SBGN entity of each node kind (the
# unit of information of its activity glyph, and the glyph shape the page draws); ARCS
# the SBGN Activity Flow arc of each edge kind. "necessary stimulation": the target's
# activity needs the source's (a dimer needs both its STATs, a nuclear dimer the
# cytoplasmic one, a protein its mRNA); "positive influence": the source raises it, one
# of several ways (a chain is activated by any of its cytokines and JAKs, a STAT by any
# of the JAKs of its receptors, an mRNA by any of its inducing dimers).
GLYPHS = {"gene": "macromolecule", "dimer": "complex", "mrna": "nucleic acid feature", "drug": "simple chemical"}
ARCS = {"binding": "positive influence", "phosphorylation": "positive influence",
        "dimerisation": "necessary stimulation", "import": "necessary stimulation",
        "transcription": "positive influence", "translation": "necessary stimulation",
        "brake": "negative influence", "drug": "negative influence"}

X_STEP, Y_STEP = 92.0, 110.0  # px between layout slots and rows (page and static picture)
# width, height of each node kind's glyph (px): the page, the picture, the SBGN-ML and
# the SBML layout draw the same boxes
NODE_SIZE = {"gene": (78.0, 30.0), "mrna": (78.0, 30.0), "dimer": (84.0, 30.0), "drug": (84.0, 30.0)}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    role: str  # a key of ROWS
    kind: str  # gene, dimer, mrna, drug
    compartment: str  # SBML compartment of its species (a gene in several: the first)
    genes: tuple[str, ...]
    # (species id, multiplicity) summed for the node's value; empty for drugs (the dose)
    species: tuple[tuple[str, int], ...]
    measure: str  # what the value is, in words
    identifiers: tuple[tuple[str, str], ...]  # (database, id): HGNC, UniProt, ChEBI, ChEMBL, SBML
    description: str
    # the one SBML species that stands for the node in diagrams of the SBML itself (its
    # layout): a gene's free protein (a ligand's species, IL12 for IL12A and IL12B), the
    # dimer, mRNA or drug species
    sbml_species: str = ""
    x: float = 0.0
    y: float = 0.0

    @property
    def row(self) -> int:
        return ROWS[self.role][0]

    @property
    def glyph(self) -> str:
        return GLYPHS[self.kind]

    @property
    def size(self) -> tuple[float, float]:
        return NODE_SIZE[self.kind]

    @property
    def band(self) -> str:
        """The compartment band its row sits in (extracellular, cytoplasm, nucleus)."""
        return ROWS[self.role][2]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # a key of ARCS
    reactions: tuple[str, ...]  # SBML reactions behind it ("catalog" for drug targets)
    cytokines: tuple[str, ...] = ()  # cytokines whose signal runs along it, where known

    @property
    def id(self) -> str:
        return f"{self.source}->{self.target}:{self.kind}"

    @property
    def arc(self) -> str:
        return ARCS[self.kind]


@dataclass
class PathwayGraph:
    nodes: list[Node]
    edges: list[Edge]
    sbml: str  # path of the model file it was read from
    bands: list[dict] = field(default_factory=list)  # compartment rectangles (px)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def gene_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.kind == "gene"]

    # -- geometry shared by the exported diagrams (SBGN-ML, SBML layout): page coordinates
    #    shifted so that the drawing starts at (margin, margin)

    def origin(self, margin: float = 20.0) -> tuple[float, float]:
        """The shift that puts the compartment bands' top-left corner at (margin, margin)."""
        return margin - min(b["x0"] for b in self.bands), margin - min(b["y0"] for b in self.bands)

    def extent(self, margin: float = 20.0) -> tuple[float, float]:
        """Width and height of the drawing with ``margin`` around the bands."""
        return (max(b["x1"] for b in self.bands) - min(b["x0"] for b in self.bands) + 2 * margin,
                max(b["y1"] for b in self.bands) - min(b["y0"] for b in self.bands) + 2 * margin)

    def box(self, node: Node, margin: float = 20.0) -> tuple[float, float, float, float]:
        """(x, y, w, h) of a node's glyph, top-left corner, in the shifted frame."""
        dx, dy = self.origin(margin)
        w, h = node.size
        return node.x + dx - w / 2, node.y + dy - h / 2, w, h

    def band_box(self, name: str, margin: float = 20.0) -> tuple[float, float, float, float]:
        dx, dy = self.origin(margin)
        b = next(b for b in self.bands if b["name"] == name)
        return b["x0"] + dx, b["y0"] + dy, b["x1"] - b["x0"], b["y1"] - b["y0"]

    def arc_ends(self, edge: Edge, margin: float = 20.0) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where an edge leaves its source's box and enters its target's (straight line
        between the centres, clipped at both boxes)."""
        a, b = self.box(self.node(edge.source), margin), self.box(self.node(edge.target), margin)
        ca, cb = (a[0] + a[2] / 2, a[1] + a[3] / 2), (b[0] + b[2] / 2, b[1] + b[3] / 2)
        return _clip(ca, cb, a), _clip(cb, ca, b)

    def to_dict(self) -> dict:
        return {
            "nodes": [{"id": n.id, "label": n.label, "role": n.role, "row": n.row, "kind": n.kind,
                       "glyph": n.glyph, "w": n.size[0], "h": n.size[1], "compartment": n.compartment,
                       "genes": list(n.genes),
                       "measure": n.measure, "identifiers": [list(i) for i in n.identifiers],
                       "description": n.description, "x": n.x, "y": n.y} for n in self.nodes],
            "edges": [{"id": e.id, "source": e.source, "target": e.target, "kind": e.kind, "arc": e.arc,
                       "reactions": list(e.reactions), "cytokines": list(e.cytokines)} for e in self.edges],
            "rows": [{"role": r, "row": i, "label": label, "band": band, "y": i * Y_STEP}
                     for r, (i, label, band) in ROWS.items()],
            "bands": self.bands,
        }


def _clip(inside: tuple[float, float], towards: tuple[float, float], box) -> tuple[float, float]:
    """The point where the segment from ``inside`` (a box's centre) to ``towards`` leaves the box."""
    (x, y), (tx, ty) = inside, towards
    dx, dy = tx - x, ty - y
    half_w, half_h = box[2] / 2, box[3] / 2
    scale = min(half_w / abs(dx) if dx else float("inf"), half_h / abs(dy) if dy else float("inf"), 1.0)
    return round(x + dx * scale, 2), round(y + dy * scale, 2)


# ----------------------------------------------------------------------------- reading the SBML


@dataclass(frozen=True)
class _Species:
    id: str
    compartment: str
    sbo: int
    boundary: bool
    genes: tuple[str, ...]  # annotated HGNC symbols, unique, in order


def _annotated_genes(sp: libsbml.Species) -> tuple[str, ...]:
    """HGNC symbols from the species' bqbiol:is / hasPart annotation (the build writes them)."""
    out = []
    for i in range(sp.getNumCVTerms()):
        term = sp.getCVTerm(i)
        if term.getQualifierType() != libsbml.BIOLOGICAL_QUALIFIER:
            continue
        if term.getBiologicalQualifierType() not in (libsbml.BQB_IS, libsbml.BQB_HAS_PART,
                                                     libsbml.BQB_IS_ENCODED_BY):
            continue
        for j in range(term.getNumResources()):
            uri = term.getResourceURI(j)
            if "hgnc.symbol:" in uri:
                out.append(uri.rsplit("hgnc.symbol:", 1)[1])
    return tuple(dict.fromkeys(out))


def _multiplicity(species_id: str, gene: str) -> int:
    """How many copies of ``gene`` a species holds, from its id tokens (a homodimer
    pSTAT1_pSTAT1 holds two); 1 for ligand species whose id names the cytokine."""
    n = sum(1 for tok in species_id.split("_") if tok in (gene, f"p{gene}"))
    return max(n, 1)


def _phosphorylated(species_id: str, gene: str) -> bool:
    """Active form of ``gene`` in this species: a phosphorylated STAT (token pSTATx) or
    any protein of an active receptor complex (token p)."""
    toks = species_id.split("_")
    return f"p{gene}" in toks or "p" in toks


def _symbols(math: libsbml.ASTNode | None) -> set[str]:
    found: set[str] = set()
    stack = [math] if math is not None else []
    while stack:
        node = stack.pop()
        # isName(), not getType() == AST_NAME: once libsedml is imported (an OMEX export),
        # libsbml's getType() returns an unconvertible enum pointer and every comparison fails
        if node.isName():
            found.add(node.getName())
        stack.extend(node.getChild(i) for i in range(node.getNumChildren()))
    return found


class _Model:
    """The parts of the SBML the map needs."""

    def __init__(self, path: Path):
        doc = libsbml.readSBMLFromFile(str(path))
        if doc.getModel() is None or doc.getNumErrors(libsbml.LIBSBML_SEV_FATAL):
            raise ModelFileError(f"{path}: not a readable SBML model")
        self.model = doc.getModel()
        self.doc = doc  # keeps the model alive
        self.species = {}
        for sp in self.model.getListOfSpecies():
            self.species[sp.getId()] = _Species(sp.getId(), sp.getCompartment(), sp.getSBOTerm(),
                                                sp.getBoundaryCondition(), _annotated_genes(sp))
        self._depends: dict[str, set[str]] = {}

    def reactions(self, sbo: int) -> Iterable[libsbml.Reaction]:
        return [r for r in self.model.getListOfReactions() if r.getSBOTerm() == sbo]

    @staticmethod
    def reactants(rx) -> list[str]:
        return [rx.getReactant(i).getSpecies() for i in range(rx.getNumReactants())]

    @staticmethod
    def products(rx) -> list[str]:
        return [rx.getProduct(i).getSpecies() for i in range(rx.getNumProducts())]

    def depends_on(self, symbol: str) -> set[str]:
        """Every symbol ``symbol`` reads, through assignment rules, itself included."""
        if symbol not in self._depends:
            self._depends[symbol] = {symbol}  # guards against (invalid) cyclic rules
            rule = self.model.getAssignmentRule(symbol)
            out = {symbol}
            if rule is not None:
                for s in _symbols(rule.getMath()):
                    out |= self.depends_on(s)
            self._depends[symbol] = out
        return self._depends[symbol]

    def rate_species(self, rx) -> list[str]:
        """Species the reaction's rate law reads, directly or through assignment rules, in
        sorted order: a set's order follows Python's hash seed, and with it the order of the
        map's edges, so the SBGN arcs and the SBML layout differed from run to run."""
        law = rx.getKineticLaw()
        symbols: set[str] = set()
        for s in _symbols(law.getMath() if law is not None else None):
            symbols |= self.depends_on(s)
        return sorted(s for s in symbols if s in self.species)


# ----------------------------------------------------------------------------- nodes


def _role(gene: str) -> str:
    return MODULE_ROLES.get(catalog.GENES[gene].module, "brake")


def _is_stat_complex(sp: _Species) -> bool:
    roles = {_role(g) for g in sp.genes if g in catalog.GENES}
    return sp.sbo == SBO_COMPLEX and bool(sp.genes) and roles == {"stat"}


def _label(species_id: str) -> str:
    toks = [t for t in species_id.split("_") if t not in ("nuc", "cyt")]
    if toks == ["pSTAT1", "pSTAT2", "IRF9"]:
        return "ISGF3"  # the name every figure uses for STAT1:STAT2:IRF9
    return ":".join(toks)


def _gene_node(gene: catalog.Gene, m: _Model) -> Node:
    role = _role(gene.symbol)
    forms = [s for s in m.species.values() if gene.symbol in s.genes and not s.boundary]
    if role == "brake" and forms and forms[0].compartment == "nucleus":
        role = "nuclear_brake"  # TC-PTP works on nuclear dimers: drawn beside them
    if role in ("ligand", "chain", "jak", "stat") and any(_phosphorylated(s.id, gene.symbol) for s in forms):
        chosen, measure = [s for s in forms if _phosphorylated(s.id, gene.symbol)], (
            "phosphorylated, all forms" if role == "stat" else "in active (phosphorylated) receptor complexes")
    elif role != "ligand" and any(s.sbo == SBO_COMPLEX for s in forms):
        chosen, measure = [s for s in forms if s.sbo == SBO_COMPLEX], "bound in complexes"
    else:
        chosen, measure = [s for s in forms if s.sbo != SBO_RNA], "total protein"
    if role == "brake" and any(s.sbo == SBO_RNA for s in forms):
        # SOCS/CISH: the induced protein is the brake; free and bound count alike
        chosen, measure = [s for s in forms if s.sbo != SBO_RNA], "protein, free and bound"
    compartment = forms[0].compartment if forms else ("extracellular" if role == "ligand" else "cytoplasm")
    ids = (("HGNC", gene.symbol), ("UniProt", gene.uniprot))
    return Node(gene.symbol, gene.symbol, role, "gene", compartment, (gene.symbol,),
                tuple((s.id, _multiplicity(s.id, gene.symbol)) for s in chosen), measure, ids,
                gene.description, _free_species(gene.symbol, m))


def _free_species(gene: str, m: _Model) -> str:
    """The species of ``gene`` with the fewest other genes, first in the SBML's order (the
    free protein; for IL12A and IL12B the IL12 heterodimer): what stands for the gene."""
    candidates = [s for s in m.species.values() if gene in s.genes and s.sbo != SBO_RNA]
    if not candidates:
        return ""
    return min(candidates, key=lambda s: len(set(s.genes))).id


def _nodes(m: _Model) -> list[Node]:
    nodes = [_gene_node(g, m) for g in catalog.GENES.values()]
    for sp in m.species.values():
        if _is_stat_complex(sp):
            role = "nuclear" if sp.compartment == "nucleus" else "dimer"
            nodes.append(Node(sp.id, _label(sp.id), role, "dimer", sp.compartment, sp.genes, ((sp.id, 1),),
                              "concentration of the complex", (("SBML", sp.id),),
                              f"{_label(sp.id)} ({' + '.join(sp.genes)}) in the {sp.compartment}", sp.id))
        elif sp.sbo == SBO_RNA:
            gene = sp.genes[0]
            nodes.append(Node(sp.id, f"{gene} mRNA", "target", "mrna", sp.compartment, (gene,), ((sp.id, 1),),
                              "mRNA", (("HGNC", gene), ("SBML", sp.id)),
                              f"{gene} mRNA: the transcript STAT dimers induce", sp.id))
        elif sp.sbo == SBO_DRUG and sp.id in catalog.DRUGS:
            d = catalog.DRUGS[sp.id]
            nodes.append(Node(sp.id, sp.id, "drug", "drug", sp.compartment, (), (), "free concentration (dose)",
                              tuple((db, v) for db, v in (("ChEBI", d.chebi), ("ChEMBL", d.chembl)) if v)
                              + (("SBML", sp.id),), d.description, sp.id))
    return nodes


# ----------------------------------------------------------------------------- edges


class _Edges:
    def __init__(self):
        self.found: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {}

    def add(self, source: str, target: str, kind: str, reaction: str, cytokines: Iterable[str] = ()) -> None:
        if source == target:
            return
        reactions, cyts = self.found.setdefault((source, target, kind), ([], []))
        if reaction not in reactions:
            reactions.append(reaction)
        cyts.extend(c for c in cytokines if c not in cyts)

    def edges(self) -> list[Edge]:
        return [Edge(s, t, k, tuple(r), tuple(c)) for (s, t, k), (r, c) in self.found.items()]


def _cytokines_in(species: _Species) -> list[str]:
    """Cytokines (catalog names) whose genes are in the species."""
    return [c.name for c in catalog.CYTOKINES.values() if set(c.genes) & set(species.genes)]


def _edges(m: _Model, nodes: dict[str, Node]) -> list[Edge]:
    out = _Edges()
    role = {n.id: n.role for n in nodes.values() if n.kind == "gene"}
    dimer_ids = {n.id for n in nodes.values() if n.kind in ("dimer",)}

    def genes_of(sid: str, wanted: str) -> list[str]:
        return [g for g in m.species[sid].genes if role.get(g) == wanted]

    for rx in m.reactions(SBO_BINDING):
        rid, reac, prod = rx.getId(), _Model.reactants(rx), _Model.products(rx)
        sp = [m.species[s] for s in reac]
        if len(reac) == 2:
            a, b = sp
            # cytokine meets a chain: the cytokine (free or already bound) binds the other side's chains
            for x, y in ((a, b), (b, a)):
                ligands = [g for g in x.genes if role.get(g) == "ligand"]
                if ligands and not [g for g in y.genes if role.get(g) == "ligand"]:
                    for lig in ligands:
                        for chain in genes_of(y.id, "chain"):
                            out.add(lig, chain, "binding", rid, _cytokines_in(x))
            # a free chain loads a free JAK (box1/2)
            if {len(a.genes), len(b.genes)} == {1} and {role[a.genes[0]], role[b.genes[0]]} == {"chain", "jak"}:
                jak, chain = (a, b) if role[a.genes[0]] == "jak" else (b, a)
                out.add(jak.genes[0], chain.genes[0], "binding", rid)
            # a feedback protein binds an active receptor complex: a brake on its JAKs
            for x, y in ((a, b), (b, a)):
                if len(x.genes) == 1 and role[x.genes[0]] == "brake" and genes_of(y.id, "jak"):
                    for jak in genes_of(y.id, "jak"):
                        out.add(x.genes[0], jak, "brake", rid, _cytokines_in(y))
                if len(x.genes) == 1 and role[x.genes[0]] == "nuclear_brake" and y.id in dimer_ids:
                    out.add(x.genes[0], y.id, "brake", rid)
        # STATs (or a dimer and IRF9) form a dimer node
        for p in prod:
            if p in dimer_ids:
                for s in reac:
                    src = s if s in dimer_ids else None
                    for g in ([] if src else m.species[s].genes):
                        out.add(g, p, "dimerisation", rid)
                    if src:
                        out.add(src, p, "dimerisation", rid)

    for rx in m.reactions(SBO_PHOSPHORYLATION):
        rid, reac = rx.getId(), _Model.reactants(rx)
        targets = [g for s in reac for g in genes_of(s, "stat")] if len(reac) == 1 else []
        if not targets:
            continue  # receptor activation: the JAKs act within their own complex
        read = [m.species[s] for s in m.rate_species(rx)]
        for s in read:
            if s.sbo == SBO_COMPLEX and "p" in s.id.split("_"):
                for jak in genes_of(s.id, "jak"):
                    for stat in targets:
                        out.add(jak, stat, "phosphorylation", rid, _cytokines_in(s))

    for rx in m.reactions(SBO_DEPHOSPHORYLATION):
        rid, reac = rx.getId(), _Model.reactants(rx)
        brakes = [g for s in m.rate_species(rx) for g in m.species[s].genes
                  if len(m.species[s].genes) == 1 and role.get(g) in ("brake", "nuclear_brake")
                  and m.species[s].sbo == SBO_PROTEIN]
        for s in reac:
            sp = m.species[s]
            if any(role.get(g) == "nuclear_brake" for g in sp.genes) and s not in dimer_ids:
                continue  # a PIAS-bound dimer: the free dimer's edge already shows the phosphatase
            if s in dimer_ids:
                targets = [s]
            elif genes_of(s, "jak"):
                targets = genes_of(s, "jak")  # a receptor complex: its JAKs are what is dephosphorylated
            else:
                targets = genes_of(s, "stat")
            for b in brakes:
                for t in targets:
                    out.add(b, t, "brake", rid, _cytokines_in(sp))

    for rx in m.reactions(SBO_TRANSPORT):
        rid, reac, prod = rx.getId(), _Model.reactants(rx), _Model.products(rx)
        for s in reac:
            for p in prod:
                if s in dimer_ids and p in dimer_ids:
                    out.add(s, p, "import", rid)

    for rx in m.reactions(SBO_TRANSCRIPTION):
        rid = rx.getId()
        for p in _Model.products(rx):
            for s in sorted(m.rate_species(rx)):
                if s in dimer_ids and m.species[s].compartment == "nucleus":
                    out.add(s, p, "transcription", rid)

    for rx in m.reactions(SBO_TRANSLATION):
        rid = rx.getId()
        for s in m.rate_species(rx):
            if m.species[s].sbo == SBO_RNA:
                for p in _Model.products(rx):
                    for g in m.species[p].genes:
                        out.add(s, g, "translation", rid)

    # Drugs act on their catalog targets; a family name (STAT5) means each of its genes.
    for d in catalog.DRUGS.values():
        if d.name not in nodes:
            continue
        for t in d.targets:
            genes = [t] if t in catalog.GENES else [g for g in catalog.GENES if g.startswith(t)]
            for g in genes:
                out.add(d.name, g, "drug", "catalog")
    return out.edges()


# ----------------------------------------------------------------------------- layout


def _layout(nodes: list[Node], edges: list[Edge]) -> list[Node]:
    """Row by role, order within rows by igraph's Sugiyama layout (crossing reduction)."""
    import igraph

    index = {n.id: i for i, n in enumerate(nodes)}
    # edges point down the rows (upward ones reversed) so the layered layout sees a DAG
    pairs = []
    for e in edges:
        a, b = index[e.source], index[e.target]
        if nodes[a].row > nodes[b].row:
            a, b = b, a
        if nodes[a].row != nodes[b].row:
            pairs.append((a, b))
    g = igraph.Graph(n=len(nodes), edges=sorted(set(pairs)), directed=True)
    coords = g.layout_sugiyama(layers=[n.row for n in nodes], maxiter=200).coords[:len(nodes)]
    # The library's x leaves room for the bends of long edges (the map came out 3-4x
    # wider than its widest row): squeeze it to the widest row's width, keeping its
    # order and alignment, then push neighbours apart to one slot and re-centre the row.
    rows = {n.row for n in nodes}
    widest = max(sum(1 for n in nodes if n.row == r) for r in rows)
    xs = [c[0] for c in coords]
    scale = (widest - 1) * X_STEP / ((max(xs) - min(xs)) or 1.0)
    x_of: dict[str, float] = {}
    for row in rows:
        members = sorted((i for i, n in enumerate(nodes) if n.row == row), key=lambda i: (xs[i], i))
        wanted = [(xs[i] - min(xs)) * scale for i in members]
        placed = []
        for w in wanted:
            placed.append(max(w, placed[-1] + X_STEP) if placed else w)
        shift = sum(wanted) / len(wanted) - sum(placed) / len(placed)
        for i, x in zip(members, placed):
            x_of[nodes[i].id] = x + shift
    centre = (max(x_of.values()) + min(x_of.values())) / 2
    return [Node(**{**n.__dict__, "x": round(x_of[n.id] - centre, 1), "y": n.row * Y_STEP}) for n in nodes]


def _bands(nodes: list[Node]) -> list[dict]:
    """Compartment rectangles around the rows of each compartment (px)."""
    xs = [n.x for n in nodes]
    left, right = min(xs) - X_STEP, max(xs) + X_STEP
    out = []
    for name in ("extracellular", "cytoplasm", "nucleus"):
        rows = [r for r, _, band in ROWS.values() if band == name]
        top, bottom = min(rows) * Y_STEP - Y_STEP / 2, max(rows) * Y_STEP + Y_STEP / 2
        out.append({"name": name, "x0": left, "x1": right, "y0": top, "y1": bottom})
    return out


@cache
def _read(path: str, mtime: float) -> PathwayGraph:
    m = _Model(Path(path))
    nodes = _nodes(m)
    by_id = {n.id: n for n in nodes}
    edges = _edges(m, by_id)
    placed = _layout(nodes, edges)
    return PathwayGraph(placed, edges, path, _bands(placed))


def pathway_graph(sbml: str | Path | None = None) -> PathwayGraph:
    """The map of a model file (default: the bundled model), with positions."""
    path = Path(sbml) if sbml is not None else catalog.bundled_sbml_path()
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    return _read(str(path.resolve()), path.stat().st_mtime)

