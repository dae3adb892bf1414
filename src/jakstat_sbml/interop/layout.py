"""SBML Layout and Render of the pathway map, added to every exported SBML file.

Tools that read the layout package (COPASI, CellDesigner, Newt, SBMLNetwork, VANTED)
show the pathway instead of lists. The drawing is the map of ``jakstat explore``, at
the same positions (:func:`jakstat_sbml.explore.pathway_graph`): a species glyph per
map node, standing for one SBML species (a gene's free protein, the dimer, the mRNA,
the drug), a text glyph with its label, a compartment glyph per compartment band,
and per map edge a reaction glyph referencing the first SBML reaction behind it (a
drug's edge, which comes from the catalog, references none) whose two species
reference glyphs run from the source (activator or inhibitor) to the target
(product). The render information draws them as the page does: SBGN shapes per
entity (rounded box, cut corners, round bottom, ellipse) and the Activity Flow
arrowheads (positive influence, necessary stimulation, negative influence in red).

Both packages are marked not required, so a tool that ignores them reads the model
unchanged.
"""

from __future__ import annotations

import libsbml

from ..errors import ExportError
from ..explore.graph import PathwayGraph

LAYOUT_ID = "pathway_map"
RENDER_ID = "pathway_map_style"

COLOURS = {"line": "#888888", "inhibition": "#c0392b", "text": "#111111", "glyph": "#333333",
           "protein": "#fff7e6", "complex": "#e8f1fb", "rna": "#eaf6ea", "drug": "#fbe9f1",
           "extracellular": "#f4f9ff", "cytoplasm": "#fffaf0", "cytoplasm_edge": "#b08d57",
           "nucleus": "#f3f0fa", "nucleus_edge": "#7b6aa8", "white": "#ffffff"}
FILL = {"gene": "protein", "dimer": "complex", "mrna": "rna", "drug": "drug"}
# map edge -> (source role, style of the target's arrowhead)
SOURCE_ROLE = {"positive influence": "activator", "necessary stimulation": "activator",
               "negative influence": "inhibitor"}
HEADS = {"positive influence": "positive_influence", "necessary stimulation": "necessary_stimulation",
         "negative influence": "negative_influence"}


def _ok(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise ExportError(f"libSBML could not {what} ({libsbml.OperationReturnValue_toString(code)})")


def _rel(absolute: float, relative: float = 0.0) -> libsbml.RelAbsVector:
    return libsbml.RelAbsVector(absolute, relative)


def add_layout(doc: libsbml.SBMLDocument, graph: PathwayGraph) -> None:
    """Add the map's layout and render information to ``doc`` (its model must hold every
    species, compartment and reaction the graph names)."""
    model = doc.getModel()
    _ok(doc.enablePackage(libsbml.LayoutExtension.getXmlnsL3V1V1(), "layout", True), "enable the layout package")
    _ok(doc.setPackageRequired("layout", False), "mark the layout package optional")
    _ok(doc.enablePackage(libsbml.RenderExtension.getXmlnsL3V1V1(), "render", True), "enable the render package")
    _ok(doc.setPackageRequired("render", False), "mark the render package optional")
    plugin = model.getPlugin("layout")
    for i in reversed(range(plugin.getNumLayouts())):  # a re-export replaces an earlier map
        if plugin.getLayout(i).getId() == LAYOUT_ID:
            plugin.removeLayout(i)
    layout = plugin.createLayout()
    layout.setId(LAYOUT_ID)
    layout.setName("pathway map (jakstat explore)")
    ns = libsbml.LayoutPkgNamespaces(doc.getLevel(), doc.getVersion(), 1)
    width, height = graph.extent()
    layout.setDimensions(libsbml.Dimensions(ns, width, height))

    def box(gid: str, x: float, y: float, w: float, h: float) -> libsbml.BoundingBox:
        return libsbml.BoundingBox(ns, f"{gid}_bb", x, y, w, h)

    styles: dict[str, list[str]] = {}  # render style -> glyph ids

    for name in ("extracellular", "cytoplasm", "nucleus"):
        if model.getCompartment(name) is None:
            raise ExportError(f"the SBML lacks the compartment {name!r} the map draws")
        cg = layout.createCompartmentGlyph()
        cg.setId(f"cg_{name}")
        cg.setCompartmentId(name)
        cg.setBoundingBox(box(cg.getId(), *graph.band_box(name)))
        styles.setdefault(f"band_{name}", []).append(cg.getId())
        x, y, w, h = graph.band_box(name)
        tg = layout.createTextGlyph()
        tg.setId(f"tg_{name}")
        tg.setText(name)
        tg.setGraphicalObjectId(cg.getId())
        tg.setBoundingBox(box(tg.getId(), x + w - 160.0, y + h - 22.0, 150.0, 18.0))
        styles.setdefault("band_label", []).append(tg.getId())

    for node in graph.nodes:
        if model.getSpecies(node.sbml_species) is None:
            raise ExportError(f"the SBML lacks the species {node.sbml_species!r} that stands for {node.id!r}")
        sg = layout.createSpeciesGlyph()
        sg.setId(f"sg_{node.id}")
        sg.setSpeciesId(node.sbml_species)
        sg.setBoundingBox(box(sg.getId(), *graph.box(node)))
        styles.setdefault(f"node_{node.kind}", []).append(sg.getId())
        tg = layout.createTextGlyph()
        tg.setId(f"tg_{node.id}")
        tg.setText(node.label)
        tg.setGraphicalObjectId(sg.getId())
        tg.setBoundingBox(box(tg.getId(), *graph.box(node)))
        styles.setdefault("node_label", []).append(tg.getId())

    for i, edge in enumerate(graph.edges):
        (x0, y0), (x1, y1) = graph.arc_ends(edge)
        mid = ((x0 + x1) / 2, (y0 + y1) / 2)
        rg = layout.createReactionGlyph()
        rg.setId(f"rg_{i}")
        if edge.reactions and edge.reactions[0] != "catalog":
            if model.getReaction(edge.reactions[0]) is None:
                raise ExportError(f"the SBML lacks the reaction {edge.reactions[0]!r} behind the edge {edge.id!r}")
            rg.setReactionId(edge.reactions[0])
        rg.setBoundingBox(box(rg.getId(), mid[0], mid[1], 0.0, 0.0))
        for part, glyph, role, start, end in (("source", edge.source, SOURCE_ROLE[edge.arc], (x0, y0), mid),
                                              ("target", edge.target, "product", mid, (x1, y1))):
            srg = rg.createSpeciesReferenceGlyph()
            srg.setId(f"rg_{i}_{part}")
            srg.setSpeciesGlyphId(f"sg_{glyph}")
            srg.setRole(role)
            segment = srg.getCurve().createLineSegment()
            segment.setStart(libsbml.Point(ns, *start))
            segment.setEnd(libsbml.Point(ns, *end))
            kind = "inhibition" if edge.arc == "negative influence" else "influence"
            dotted = "_dotted" if edge.kind == "import" else ""
            style = f"arc_{part}_{kind}{dotted}" if part == "source" else f"arc_target_{HEADS[edge.arc]}{dotted}"
            styles.setdefault(style, []).append(srg.getId())

    _render(layout, styles, ns)


# ----------------------------------------------------------------------------- render


def _render(layout, styles: dict[str, list[str]], ns) -> None:
    info = layout.getPlugin("render").createLocalRenderInformation()
    info.setId(RENDER_ID)
    info.setName("SBGN glyphs and Activity Flow arcs, as jakstat explore draws them")
    info.setProgramName("jakstat-sbml")
    for cid, value in COLOURS.items():
        colour = info.createColorDefinition()
        colour.setId(cid)
        colour.setColorValue(value)
    _line_endings(info, ns)

    def style(sid: str, ids: list[str]):
        s = info.createStyle(sid)
        for gid in ids:
            s.addId(gid)
        return s.getGroup()

    for name, ids in styles.items():
        g = style(f"style_{name}", ids)
        if name.startswith("band_") and name != "band_label":
            compartment = name[len("band_"):]
            edge = f"{compartment}_edge" if f"{compartment}_edge" in COLOURS else compartment
            g.setStroke(edge)
            g.setStrokeWidth(4.0)
            r = g.createRectangle()
            r.setCoordinatesAndSize(_rel(0), _rel(0), _rel(0), _rel(0, 100), _rel(0, 100))
            r.setRX(_rel(12.0))
            r.setRY(_rel(12.0))
            r.setFill(compartment)
        elif name in ("band_label", "node_label"):
            g.setStroke("text")
            g.setFontSize(_rel(13.0 if name == "band_label" else 11.0))
            g.setTextAnchor("end" if name == "band_label" else "middle")
            g.setVTextAnchor("middle")
            if name == "band_label":
                g.setFontStyle("italic")
        elif name.startswith("node_"):
            _node_shape(g, name[len("node_"):])
        else:  # arcs
            g.setStroke("inhibition" if "inhibition" in name or "negative" in name else "line")
            g.setStrokeWidth(1.3)
            dashes = (2, 3) if name.endswith("_dotted") else (5, 3) if "inhibition" in name or "negative" in name else ()
            for dash in dashes:
                g.addDash(dash)
            head = name.removesuffix("_dotted").removeprefix("arc_target_")
            if name.startswith("arc_target_"):
                g.setEndHead(head)


def _node_shape(g, kind: str) -> None:
    """SBGN entity shapes: macromolecule, complex, nucleic acid feature, simple chemical."""
    g.setStroke("glyph")
    g.setStrokeWidth(1.5)
    g.setFill(FILL[kind])
    if kind == "gene":
        r = g.createRectangle()
        r.setCoordinatesAndSize(_rel(0), _rel(0), _rel(0), _rel(0, 100), _rel(0, 100))
        r.setRX(_rel(7.0))
        r.setRY(_rel(7.0))
    elif kind == "drug":
        e = g.createEllipse()
        e.setCX(_rel(0, 50))
        e.setCY(_rel(0, 50))
        e.setRX(_rel(0, 50))
        e.setRY(_rel(0, 50))
    elif kind == "dimer":  # corners cut by 7 px
        _polygon(g, [(7, 0, 0, 0), (-7, 0, 100, 0), (0, 7, 100, 0), (0, -7, 100, 100), (-7, 0, 100, 100),
                     (7, 0, 0, 100), (0, -7, 0, 100), (0, 7, 0, 0)])
    else:  # mRNA: square top, rounded bottom (a quarter circle of 8 px at each lower corner)
        _polygon(g, [(0, 0, 0, 0), (0, 0, 100, 0), (0, -8, 100, 100), (-2.3, -2.3, 100, 100), (-8, 0, 100, 100),
                     (8, 0, 0, 100), (2.3, -2.3, 0, 100), (0, -8, 0, 100)])


def _polygon(g, points) -> None:
    """A polygon from (dx px, dy px, x %, y %) points, relative to the glyph's box."""
    poly = g.createPolygon()
    for dx, dy, px, py in points:
        p = poly.createPoint()
        p.setCoordinates(_rel(dx, px), _rel(dy, py))


def _line_endings(info, ns) -> None:
    """Arrowheads of the Activity Flow arcs, drawn at the end of the target curve."""
    shapes = {
        # open triangle
        "positive_influence": ("line", [(0, 0), (12, 6), (0, 12)], None),
        # bar, then an open triangle
        "necessary_stimulation": ("line", [(4, 0), (16, 6), (4, 12)], (0, 0, 0, 12)),
        # bar across the line
        "negative_influence": ("inhibition", None, (10, -1, 10, 13)),
    }
    for lid, (colour, triangle, bar) in shapes.items():
        end = info.createLineEnding()
        end.setId(lid)
        end.setEnableRotationalMapping(True)
        end.setBoundingBox(libsbml.BoundingBox(ns, f"{lid}_bb", -16.0 if triangle else -10.0, -6.0,
                                               16.0 if triangle else 12.0, 12.0))
        g = end.getGroup()
        g.setStroke(colour)
        g.setStrokeWidth(1.5)
        if triangle:
            poly = g.createPolygon()
            poly.setFill("white")
            for x, y in triangle:
                p = poly.createPoint()
                p.setCoordinates(_rel(x), _rel(y))
        if bar:
            c = g.createCurve()
            for x, y in (bar[:2], bar[2:]):
                p = c.createPoint()
                p.setCoordinates(_rel(x), _rel(y))
