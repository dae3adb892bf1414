// The interactive map: cytoscape.js draws the graph the Python side read from the
// model (positions included); this script only colours it from the precomputed
// results in DATA, shows tooltips, and draws the time course chart as plain SVG.
(function () {
  "use strict";
  const D = window.JAKSTAT_DATA;
  const G = D.graph;
  const nodeIndex = {};
  G.nodes.forEach((n, i) => { nodeIndex[n.id] = i; });

  // ---------------------------------------------------------------- colour scales
  // Stops of perceptually ordered maps (matplotlib's viridis and RdBu, sampled).
  const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
  const DIVERGING = ["#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b"];
  const NO_DATA = "#d9d9d9";

  function hex(c) { return [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)); }
  function ramp(stops, f) {
    f = Math.min(1, Math.max(0, f));
    const pos = f * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(pos)), t = pos - i;
    const a = hex(stops[i]), b = hex(stops[i + 1]);
    return "rgb(" + a.map((x, k) => Math.round(x + (b[k] - x) * t)).join(",") + ")";
  }
  function luminance(colour) {
    const c = colour.startsWith("#") ? hex(colour) : colour.match(/\d+/g).map(Number);
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  }
  const LOG_MIN = -3, LOG_MAX = 3; // activity colour scale: 0.001 to 1000 nM

  const MODES = {
    activity: {
      title: "Activity",
      unit: "nM, whole cell (log scale)",
      stops: VIRIDIS,
      ticks: [[0, "≤0.001"], [0.5, "1"], [1, "≥1000"]],
      colour: v => (v === null ? NO_DATA : (v <= 0 ? ramp(VIRIDIS, 0) :
        ramp(VIRIDIS, (Math.log10(v) - LOG_MIN) / (LOG_MAX - LOG_MIN)))),
    },
    inhibition: {
      title: "Inhibition by the drug",
      unit: "%: 100 × (1 − with drug / without drug), same time",
      stops: DIVERGING.slice().reverse(),
      ticks: [[0, "−100 (up 2x)"], [0.5, "0"], [1, "100 (gone)"]],
      colour: v => (v === null ? NO_DATA : ramp(DIVERGING.slice().reverse(), (v + 100) / 200)),
    },
    screen: {
      title: "Knockout screen",
      unit: "log2 fold change of the readout's AUC when this gene is knocked out",
      stops: DIVERGING,
      ticks: [[0, "≤−4"], [0.5, "0"], [1, "≥4"]],
      colour: v => (v === null ? NO_DATA : ramp(DIVERGING, (v + 4) / 8)),
    },
  };

  // ---------------------------------------------------------------- state and data access
  const state = { mode: "activity", cytokine: Object.keys(D.cytokines)[0], drug: "", dose: 0,
                  knockout: "", time: D.times.indexOf(30) >= 0 ? D.times.indexOf(30) : 0, selected: [] };

  function findCondition(cytokine, drug, dose, knockout) {
    return D.conditions.findIndex(c => c.cytokine === cytokine && (c.drug || "") === drug &&
      (drug ? c.dose === dose : true) && (c.knockout || "") === knockout);
  }
  function series(conditionIndex, nodeId) {
    const s = D.values[conditionIndex][nodeIndex[nodeId]];
    return Array.isArray(s) ? s : D.times.map(() => s); // a constant series is stored once
  }
  function current() {
    const drug = state.mode === "screen" ? "" : state.drug;
    const ko = state.mode === "activity" ? state.knockout : "";
    return findCondition(state.cytokine, drug, drug ? D.drugs[drug][state.dose] : 0, ko);
  }
  function reference() { return findCondition(state.cytokine, "", 0, ""); }

  // value shown for a node in the current mode (null: nothing to show)
  function modeValue(nodeId) {
    const t = state.time;
    if (state.mode === "activity") return series(current(), nodeId)[t];
    if (state.mode === "inhibition") {
      if (!state.drug) return null;
      const base = series(reference(), nodeId)[t], drugged = series(current(), nodeId)[t];
      if (!(base > 1e-3)) return null; // no signal to inhibit (below ~1 molecule per cell)
      return Math.max(-100, 100 * (1 - drugged / base));
    }
    const sc = D.screen[state.cytokine];
    const v = sc && sc.log2fc[nodeId];
    return v === undefined || v === null ? null : v;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "n/a";
    if (v === 0) return "0";
    const a = Math.abs(v);
    return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
  }

  // ---------------------------------------------------------------- the graph
  // Glyphs and arcs are SBGN's, drawn by cytoscape-sbgn-stylesheet from each element's
  // data.class: a node's class is its entity's glyph (macromolecule, complex, ...), an
  // edge's the stylesheet's arc of the same look as its SBGN Activity Flow arc.
  const ARC_STYLE = { "positive influence": "stimulation", "negative influence": "inhibition",
                      "necessary stimulation": "necessary stimulation" };
  const sbgnData = (cls, label) => ({ class: cls, label: label, stateVariables: [], unitsOfInformation: [],
                                      clonemarker: false });
  const elements = [];
  G.bands.forEach(b => elements.push({ group: "nodes", classes: "band band-" + b.name, selectable: false,
    grabbable: false, data: Object.assign(sbgnData("compartment", b.name),
                                          { id: "band:" + b.name, w: b.x1 - b.x0, h: b.y1 - b.y0 }),
    position: { x: (b.x0 + b.x1) / 2, y: (b.y0 + b.y1) / 2 } }));
  const left = Math.min(...G.bands.map(b => b.x0));
  // row captions are text, not glyphs: SBGN's "tag" class gives them a size the stylesheet knows
  G.rows.forEach(r => elements.push({ group: "nodes", classes: "rowlabel", selectable: false, grabbable: false,
    data: Object.assign(sbgnData("tag", r.label), { id: "row:" + r.role }), position: { x: left + 8, y: r.y - 34 } }));
  G.nodes.forEach(n => elements.push({ group: "nodes", classes: "entity " + n.kind,
    data: Object.assign(sbgnData(n.glyph, n.label), { id: n.id, glyph: n.glyph, w: n.w, h: n.h }),
    position: { x: n.x, y: n.y } }));
  G.edges.forEach(e => elements.push({ group: "edges", classes: "arc " + e.kind + " " + e.arc.replace(/ /g, "-"),
    data: { id: e.id, source: e.source, target: e.target, class: ARC_STYLE[e.arc], arc: e.arc } }));

  // the map's own look on top of the SBGN stylesheet: sizes of the layout, colours, dashes
  const OWN_STYLE = [
    { selector: "node.band", style: { shape: "round-rectangle", width: "data(w)", height: "data(h)",
      "background-opacity": 0.35, "background-image": "none", "border-width": 4, "z-index": 0, events: "no",
      label: "data(label)", "text-valign": "bottom", "text-halign": "right", "text-margin-x": -90,
      "text-margin-y": -16, "font-size": 13, color: "#777", "font-style": "italic", "text-outline-width": 0,
      padding: 0 } },
    { selector: "node.band-extracellular", style: { "background-color": "#f4f9ff", "border-width": 0 } },
    { selector: "node.band-cytoplasm", style: { "background-color": "#fffaf0", "border-color": "#b08d57" } },
    { selector: "node.band-nucleus", style: { "background-color": "#f3f0fa", "border-color": "#7b6aa8" } },
    { selector: "node.rowlabel", style: { "background-opacity": 0, "border-width": 0, width: 1, height: 1,
      label: "data(label)", "text-halign": "right", "text-valign": "center", "font-size": 11, color: "#999",
      "text-outline-width": 0, events: "no", padding: 0 } },
    { selector: "node.entity", style: { "text-valign": "center", "text-halign": "center", "font-size": 11.5,
      "font-weight": 600, width: "data(w)", height: "data(h)", padding: 0, "border-width": 1.5,
      "border-color": "#333", "background-color": NO_DATA, "z-index": 10, "text-outline-width": 2,
      "text-outline-color": "#fff", color: "#111" } },
    { selector: "node.dimer", style: { "font-size": 9.5, "border-width": 2.5 } },
    { selector: "node.entity:selected", style: { "border-width": 4, "border-color": "#e6007e" } },
    { selector: "edge.arc", style: { width: 1.3, "line-color": "#888", "curve-style": "straight", "arrow-scale": 1.1,
      opacity: 0.55, "target-arrow-color": "#888", "z-index": 5 } },
    { selector: "edge.negative-influence", style: { "line-color": "#c0392b", "target-arrow-color": "#c0392b",
      "line-style": "dashed" } },
    { selector: "edge.drug", style: { width: 2.2 } },
    { selector: "edge.import", style: { "line-style": "dotted" } },
    { selector: "edge.faded", style: { opacity: 0.08 } },
  ];
  const style = cytoscapeSbgnStylesheet(cytoscape);
  OWN_STYLE.forEach(rule => style.selector(rule.selector).css(rule.style));

  const cy = cytoscape({
    container: document.getElementById("map"),
    elements: elements,
    layout: { name: "preset", fit: true, padding: 12 },
    style: style,
  });
  cy.nodes(".band, .rowlabel").ungrabify().unselectify();

  // ---------------------------------------------------------------- controls
  const $ = id => document.getElementById(id);
  function option(select, value, text) {
    const o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }
  Object.entries(D.cytokines).forEach(([c, info]) => option($("cytokine"), c, c + " (" + info.dose + ")"));
  option($("drug"), "", "none");
  Object.keys(D.drugs).forEach(d => option($("drug"), d, d));
  option($("knockout"), "", "none (wild type)");
  D.knockouts.forEach(g => option($("knockout"), g, g + " knocked out"));
  $("time").max = D.times.length - 1;
  $("time").value = state.time;

  function syncDose() {
    const doses = state.drug ? D.drugs[state.drug] : [0];
    $("dose").max = doses.length - 1;
    state.dose = Math.min(state.dose, doses.length - 1);
    $("dose").value = state.dose;
    $("dose").disabled = !state.drug;
    $("dose-label").textContent = state.drug ? fmt(doses[state.dose]) + " nM free" : "–";
  }

  function legend() {
    const m = MODES[state.mode];
    $("legend-title").textContent = m.title;
    $("legend-bar").style.background = "linear-gradient(to right," + m.stops.join(",") + ")";
    $("legend-ticks").innerHTML = "";
    m.ticks.forEach(([f, text]) => {
      const s = document.createElement("span"); s.textContent = text; s.style.left = (f * 100) + "%";
      $("legend-ticks").appendChild(s);
    });
    $("legend-unit").textContent = m.unit;
  }

  function describe() {
    const c = D.cytokines[state.cytokine], t = D.times[state.time];
    let text = state.cytokine + " " + c.dose + ", " + t + " min";
    if (state.mode === "screen") {
      const sc = D.screen[state.cytokine];
      text = sc ? "knockout of each gene under " + state.cytokine + " " + c.dose + ": " + sc.readout +
        " AUC " + sc.window[0] + "–" + sc.window[1] + " min vs wild type" : "no screen for " + state.cytokine;
    } else {
      if (state.drug) text += ", " + state.drug + " " + fmt(D.drugs[state.drug][state.dose]) +
        " nM free (" + D.preincubation + " min before)";
      if (state.mode === "activity" && state.knockout) text += ", " + state.knockout + " knocked out";
      if (state.mode === "inhibition" && !state.drug) text += ": choose a drug";
    }
    $("condition").textContent = text;
  }

  function render() {
    $("time-label").textContent = D.times[state.time] + " min";
    $("time").disabled = state.mode === "screen";
    $("knockout").disabled = state.mode !== "activity";
    syncDose();
    cy.batch(() => {
      cy.nodes(".entity").forEach(n => {
        const fill = MODES[state.mode].colour(modeValue(n.id()));
        const dark = luminance(fill) < 0.45; // labels stay readable on dark fills
        n.style({ "background-color": fill, color: dark ? "#fff" : "#111", "text-outline-width": dark ? 0 : 2 });
      });
      // edges that carry only other cytokines' signals are faded
      G.edges.forEach(e => {
        const faded = e.cytokines.length > 0 && e.cytokines.indexOf(state.cytokine) < 0;
        cy.getElementById(e.id).toggleClass("faded", faded);
      });
    });
    legend();
    describe();
    chart();
    document.body.dataset.state = JSON.stringify([state.mode, state.cytokine, state.drug, state.dose,
                                                  state.knockout, state.time]);
  }

  // ---------------------------------------------------------------- tooltip
  const tip = $("tooltip");
  cy.on("mouseover", "node.entity", ev => {
    const n = G.nodes[nodeIndex[ev.target.id()]];
    const ids = n.identifiers.map(([db, id]) => db + ": " + id).join(" · ");
    const ci = current();
    const v = ci >= 0 ? series(ci, n.id)[state.time] : null;
    const unit = n.kind === "drug" ? "nM free" : "nM (whole cell)";
    let html = "<b>" + n.label + "</b> <span class=dim>" + n.glyph + ", " + n.compartment + "</span><br>" +
      n.description + "<br><span class=dim>" + ids + "</span><br>" +
      "value: <b>" + fmt(v) + " " + unit + "</b> <span class=dim>(" + n.measure + ", " + D.times[state.time] +
      " min)</span>";
    if (state.mode !== "activity") html += "<br>" + MODES[state.mode].title + ": <b>" + fmt(modeValue(n.id)) + "</b>";
    tip.innerHTML = html;
    tip.style.display = "block";
    const p = ev.renderedPosition, box = $("map").getBoundingClientRect();
    tip.style.left = (box.left + window.scrollX + p.x + 14) + "px";
    tip.style.top = (box.top + window.scrollY + p.y + 14) + "px";
  });
  cy.on("mouseout", "node.entity", () => { tip.style.display = "none"; });
  cy.on("tap", "node.entity", ev => {
    const id = ev.target.id(), k = state.selected.indexOf(id);
    if (k >= 0) state.selected.splice(k, 1); else state.selected.push(id);
    chart();
  });

  // ---------------------------------------------------------------- time course chart (plain SVG)
  const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
  function defaultSelection() {
    const r = D.cytokines[state.cytokine].readout.replace(/^p/, "");
    return G.nodes.filter(n => n.kind === "gene" && n.role === "stat" && (n.id === r || n.id.startsWith(r) &&
      /^[A-Z]$/.test(n.id.slice(r.length)))).map(n => n.id);
  }
  function chart() {
    const svg = $("chart"), W = 420, H = 220, L = 52, R = 10, T = 12, B = 34;
    const ids = state.selected.length ? state.selected : defaultSelection();
    const ci = current(), ri = reference();
    const lines = [];
    ids.forEach((id, k) => {
      lines.push({ id: id, ys: series(ci, id), colour: COLOURS[k % COLOURS.length], dash: "" });
      if (ri !== ci) lines.push({ id: id, ys: series(ri, id), colour: COLOURS[k % COLOURS.length], dash: "5,4" });
    });
    const ymax = Math.max(1e-9, ...lines.flatMap(l => l.ys)) * 1.05, tmax = D.times[D.times.length - 1];
    const x = t => L + (W - L - R) * t / tmax, y = v => H - B - (H - B - T) * v / ymax;
    let s = "<line x1=" + L + " y1=" + (H - B) + " x2=" + (W - R) + " y2=" + (H - B) + " stroke=#444 />" +
      "<line x1=" + L + " y1=" + T + " x2=" + L + " y2=" + (H - B) + " stroke=#444 />";
    [0, 30, 60, 90, 120].filter(t => t <= tmax).forEach(t => {
      s += "<text x=" + x(t) + " y=" + (H - B + 14) + " font-size=10 text-anchor=middle>" + t + "</text>";
    });
    [0, 0.5, 1].forEach(f => {
      s += "<text x=" + (L - 4) + " y=" + (y(f * ymax) + 3) + " font-size=10 text-anchor=end>" + fmt(f * ymax) + "</text>";
    });
    s += "<text x=" + ((L + W - R) / 2) + " y=" + (H - 4) + " font-size=11 text-anchor=middle>time (min)</text>";
    s += "<text x=12 y=" + ((T + H - B) / 2) + " font-size=11 text-anchor=middle transform='rotate(-90 12 " +
      ((T + H - B) / 2) + ")'>nM, whole cell</text>";
    const tc = D.times[state.time];
    s += "<line x1=" + x(tc) + " y1=" + T + " x2=" + x(tc) + " y2=" + (H - B) + " stroke=#e6007e stroke-width=1.5 />";
    lines.forEach(l => {
      const pts = l.ys.map((v, i) => x(D.times[i]).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
      s += "<polyline fill=none stroke='" + l.colour + "' stroke-width=2 stroke-dasharray='" + l.dash +
        "' points='" + pts + "'><title>" + l.id + "</title></polyline>";
    });
    svg.innerHTML = s;
    $("chart-key").innerHTML = ids.map((id, k) => "<span style='color:" + COLOURS[k % COLOURS.length] + "'>■ " +
      G.nodes[nodeIndex[id]].label + "</span>").join(" ") +
      (ri !== ci ? " <span class=dim>solid: this condition; dashed: " + state.cytokine + " alone</span>" : "") +
      (state.selected.length ? "" : " <span class=dim>(main readout; click nodes to choose)</span>");
  }

  // ---------------------------------------------------------------- wiring
  $("mode").addEventListener("change", e => { state.mode = e.target.value; render(); });
  $("cytokine").addEventListener("change", e => { state.cytokine = e.target.value; render(); });
  $("drug").addEventListener("change", e => { state.drug = e.target.value; render(); });
  $("dose").addEventListener("input", e => { state.dose = +e.target.value; render(); });
  $("knockout").addEventListener("change", e => { state.knockout = e.target.value; render(); });
  $("time").addEventListener("input", e => { state.time = +e.target.value; render(); });

  render();
  // for tests and the curious: the live objects, and how long the page took to draw
  window.explore = { cy: cy, state: state, render: render, modeValue: modeValue,
                     readyMs: performance.now() };
  document.body.dataset.ready = "1";
})();
