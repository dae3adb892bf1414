"""One self-contained HTML file: cytoscape.js, the SBGN stylesheet, the data and the
page's script inlined.

The page opens from disk with no server and no network. cytoscape.js and
cytoscape-sbgn-stylesheet (the SBGN glyphs and arcs for cytoscape.js, PathwayCommons)
are vendored in ``vendor/`` (both MIT, their LICENSEs beside them) rather than
installed by npm at build time, so an installed wheel writes the page offline and
without Node.js; ``make vendor`` refreshes them from the npm registry at the versions
package.json pins.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from .. import catalog
from ..version import __version__

VENDOR = "vendor/cytoscape.min.js"
SBGN_STYLESHEET = "vendor/cytoscape-sbgn-stylesheet.js"


def _resource(name: str) -> str:
    return (resources.files("jakstat_sbml.explore") / name).read_text(encoding="utf-8")


def cytoscape_version() -> str:
    """Version of the vendored cytoscape.js (read from the file itself)."""
    found = re.search(r'"(\d+\.\d+\.\d+)"', _resource(VENDOR))
    return found.group(1) if found else "unknown"


def sbgn_stylesheet_version() -> str:
    """Version of the vendored cytoscape-sbgn-stylesheet (from the header `make vendor` writes)."""
    found = re.match(r"/\* cytoscape-sbgn-stylesheet (\d+\.\d+\.\d+) ", _resource(SBGN_STYLESHEET))
    return found.group(1) if found else "unknown"


def _compact(values: list) -> list:
    """A node's series that is constant (a phosphatase's total, a dose, an unused
    STAT's 0) is stored as one number: the page expands it. Cuts the page ~3x."""
    return [[s[0] if s and all(x == s[0] for x in s) else s for s in cond] for cond in values]


def _script_safe(text: str) -> str:
    """JSON that cannot end the <script> element it sits in."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def page_html(data: dict) -> str:
    """The page for :func:`~jakstat_sbml.explore.data.explore_data`'s result."""
    data = {**data, "values": _compact(data["values"])}
    payload = _script_safe(json.dumps(data, separators=(",", ":"), allow_nan=False))
    ctx = catalog.context(data["context"])
    subtitle = (f"Model {data['model']} (jakstat-sbml {__version__}), context {data['context']}: "
                f"{ctx.description} Every node and edge is read from the SBML and the catalog; "
                f"SBGN glyphs and Activity Flow arcs (cytoscape.js {cytoscape_version()}, cytoscape-sbgn-stylesheet "
                f"{sbgn_stylesheet_version()}).")
    html = _resource("page.html")
    # one pass, so text inside the inlined pieces is never taken for a placeholder
    pieces = {"__SUBTITLE__": _escape(subtitle), "__CYTOSCAPE__": _resource(VENDOR),
              "__SBGN_STYLESHEET__": _resource(SBGN_STYLESHEET), "__DATA__": payload, "__APP__": _resource("page.js")}
    return re.sub("|".join(pieces), lambda m: pieces[m.group(0)], html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_page(data: dict, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(page_html(data), encoding="utf-8")
    return path
