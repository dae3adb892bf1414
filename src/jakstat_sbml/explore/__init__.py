"""The pathway map, drawn from the model: an interactive page and a static picture.

:func:`pathway_graph` reads nodes, edges and positions from the SBML and the catalog;
:func:`explore_data` runs the grid of simulations the page is coloured by;
:func:`write_page` writes the self-contained HTML (``jakstat explore``);
:func:`draw_map` draws the same graph with matplotlib (PNG/SVG for the report).
"""

from .data import explore_data
from .graph import PathwayGraph, pathway_graph
from .page import page_html, write_page
from .static import draw_map, save_map

__all__ = ["PathwayGraph", "draw_map", "explore_data", "page_html", "pathway_graph", "save_map", "write_page"]
