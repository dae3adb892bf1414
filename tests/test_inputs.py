"""Bad input fails early with a clear message (DESIGN 6), and loading a user's SBML
never executes or fetches anything named in the file.

tests/test_model.py and tests/test_catalog.py already cover: unknown gene, cytokine,
drug, readout and context; a negative or NaN number dose; an unparseable dose
string; t_end <= 0; negative preincubation; points < 2; negative or conflicting
overexpression; bad dose units in units.to_nM. This file adds model files, the
other entry points (Condition.make, js.run) and the doses and numbers not
covered there.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import libsbml
import numpy as np
import pytest

import jakstat_sbml as js
from jakstat_sbml import catalog

BUNDLED = catalog.bundled_sbml_path()
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
MINIMAL_SBML = DECLARATION + """
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="tiny">
    <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
    <listOfSpecies>
      <species id="S" compartment="c" initialConcentration="1" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
  </model>
</sbml>
"""


@pytest.fixture(scope="module", autouse=True)
def private_compile_cache(tmp_path_factory):
    """The SBML variants here are compiled into a cache folder of their own, so they
    do not accumulate in the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JAKSTAT_CACHE_DIR", str(tmp_path_factory.mktemp("compiled")))
        yield


@pytest.fixture(scope="module")
def bundled_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server():
    """A local HTTP server that records every request it gets."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requests.append(self.path)
            body = b'<!ENTITY fetched "FETCHED-FROM-SERVER">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", requests
    httpd.shutdown()
    httpd.server_close()


def _write(tmp_path: Path, text: str | bytes, name: str = "model.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _load_error(path) -> str:
    with pytest.raises(js.ModelFileError) as err:
        js.load_model(path)
    return str(err.value)


# ----------------------------------------------------------------------------- a user's SBML


def test_a_users_copy_of_the_model_loads_and_gives_the_same_numbers(tmp_path, ctcl, bundled_text):
    copy = _write(tmp_path, bundled_text, "my model.xml")
    for given in (copy, str(copy)):
        model = js.load_model(given)
        assert model.path == copy and model.context == "ctcl"
        cond = js.Condition.make(cytokines={"IL6": "40 ng/mL"}, knockouts=["SOCS3"], t_end=60)
        np.testing.assert_array_equal(model.run(cond).to_numpy(), ctcl.run(cond).to_numpy())


def test_missing_file(tmp_path):
    message = _load_error(tmp_path / "nope.xml")
    assert message == (f"model file not found: {tmp_path / 'nope.xml'} "
                       "(js.load_model() without a path loads the bundled model)")


def test_a_context_given_as_the_path_is_named_as_such():
    # js.load_ensemble("hepatocyte") takes the context first; load_model("hepatocyte") said
    # only "model file not found: hepatocyte"
    with pytest.raises(js.ModelFileError, match=r"'hepatocyte' is a cell context, not a model file: "
                                                r"js.load_model\(context='hepatocyte'\)"):
        js.load_model("hepatocyte")


def test_folder_instead_of_file(tmp_path):
    assert _load_error(tmp_path) == f"{tmp_path} is a folder, not an SBML file"


def test_empty_file(tmp_path):
    path = _write(tmp_path, "  \n")
    assert _load_error(path) == f"{path} is empty, not an SBML model"


def test_binary_file(tmp_path):
    path = _write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _load_error(path) == (f"{path} is not UTF-8 text, so not SBML (SBML files are UTF-8 encoded XML): "
                                 "byte 0 is b'\\x89'")


def test_antimony_or_other_text_is_not_sbml(tmp_path):
    path = _write(tmp_path, (BUNDLED.parent / "jakstat.ant").read_text(encoding="utf-8"))
    message = _load_error(path)
    assert message.startswith(f"{path} is not well-formed XML, so not SBML: ")
    assert "at line 1, column 1" in message


def test_xml_that_is_not_sbml(tmp_path):
    path = _write(tmp_path, DECLARATION + "<html><body><p>a web page</p></body></html>")
    assert _load_error(path) == f"{path} is XML but not SBML: its root element is <html>, not <sbml>"


def test_corrupt_sbml_names_the_line(tmp_path, bundled_text):
    lines = bundled_text.splitlines(keepends=True)
    path = _write(tmp_path, "".join(lines[: len(lines) // 2]))  # cut off mid-file
    message = _load_error(path)
    assert message.startswith(f"{path} is not a valid SBML model: line ")
    assert "Unclosed XML token" in message or "not well-formed" in message.lower()


def test_sbml_without_a_model(tmp_path):
    path = _write(tmp_path, DECLARATION + '\n<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" '
                                          'level="3" version="2"/>\n')
    assert _load_error(path) == f"{path} is SBML without a <model> element"


def test_sbml_lacking_what_the_catalog_needs(tmp_path):
    path = _write(tmp_path, MINIMAL_SBML)
    message = _load_error(path)
    n_needed = (len(catalog.READOUTS) + len(catalog.GENES) + 2 * len(catalog.CYTOKINES) + 2 * len(catalog.DRUGS)
                + len(catalog.MUTATIONS))
    assert message.startswith(f"{path}: the model lacks {n_needed} species/parameter id(s) the catalog needs: ")
    assert message.endswith("load_model(path) expects the jakstat-sbml model, or an edited copy that keeps "
                            "every id the catalog names")


def test_the_model_with_one_readout_and_one_cytokine_removed(tmp_path, bundled_text):
    doc = libsbml.readSBMLFromString(bundled_text)
    m = doc.getModel()
    assert m.removeRuleByVariable("pSTAT3") is not None and m.removeParameter("pSTAT3") is not None
    # IL-12 as a species goes too: its rule and every reaction that uses it
    assert m.removeRuleByVariable("IL12") is not None and m.removeSpecies("IL12") is not None
    for r in [m.getReaction(i).getId() for i in range(m.getNumReactions())]:
        if "IL12" in {s.getSpecies() for s in m.getReaction(r).getListOfReactants()}:
            m.removeReaction(r)
    path = _write(tmp_path, libsbml.writeSBMLToString(doc))
    message = _load_error(path)
    assert message.startswith(f"{path}: the model lacks 2 species/parameter id(s) the catalog needs: IL12, pSTAT3. ")


def test_sbml_that_roadrunner_cannot_compile(tmp_path):
    doc = libsbml.readSBMLFromString(MINIMAL_SBML)
    r = doc.getModel().createReaction()
    r.setId("broken")
    r.setReversible(False)
    ref = r.createReactant()
    ref.setSpecies("S")
    ref.setStoichiometry(1)
    ref.setConstant(True)
    r.createKineticLaw().setMath(libsbml.parseL3Formula("k_not_defined_anywhere * S"))
    path = _write(tmp_path, libsbml.writeSBMLToString(doc))
    message = _load_error(path)
    assert message.startswith(f"{path}: RoadRunner could not load the model: ")
    assert "k_not_defined_anywhere" in message


@pytest.mark.parametrize("given,message", [
    (DECLARATION + "<sbml/>", "load_model() takes the path of an SBML file, not SBML text; "
                              "write the text to a .xml file and pass its path"),
    (42, "load_model() takes the path of an SBML file (str or Path), got int"),
])
def test_what_is_not_a_path(given, message):
    assert _load_error(given) == message


def test_unknown_context_for_a_users_file_fails_before_reading_it(tmp_path):
    with pytest.raises(js.UnknownNameError, match=r"^unknown context 'liver' \(valid: ctcl, hepatocyte"):
        js.load_model(tmp_path / "nope.xml", context="liver")


# ----------------------------------------------------------------------------- nothing in the file runs


def _with_doctype(text: str, doctype: str) -> str:
    head, sep, rest = text.partition("?>")
    assert sep, "the bundled SBML starts with an XML declaration"
    return head + sep + "\n" + doctype + rest


def test_external_entities_are_never_resolved(tmp_path, bundled_text, server):
    url, requests = server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    doctype = (f'<!DOCTYPE sbml [\n  <!ENTITY xxe SYSTEM "file://{secret}">\n'
               f'  <!ENTITY remote SYSTEM "{url}/entity">\n]>')
    text = _with_doctype(bundled_text, doctype).replace('<model ', '<model name="&xxe;&remote;" ', 1)
    path = _write(tmp_path, text)
    message = _load_error(path)
    assert message == (f"{path}: refused to read a DOCTYPE with entity declarations. SBML needs no DTD, and "
                       "DTDs and XML entities can pull other files or URLs into a model (XXE); remove the "
                       "<!DOCTYPE ...> declaration")
    assert "TOP-SECRET" not in message
    assert requests == []


def test_an_external_dtd_is_never_fetched(tmp_path, bundled_text, server):
    url, requests = server
    path = _write(tmp_path, _with_doctype(bundled_text, f'<!DOCTYPE sbml SYSTEM "{url}/evil.dtd">'))
    assert _load_error(path) == (f"{path}: refused to read a DOCTYPE with an external DTD ('{url}/evil.dtd'). "
                                 "SBML needs no DTD, and DTDs and XML entities can pull other files or URLs "
                                 "into a model (XXE); remove the <!DOCTYPE ...> declaration")
    # nor a parameter entity that would fetch one
    doctype = f'<!DOCTYPE sbml [ <!ENTITY % dtd SYSTEM "{url}/param.dtd"> %dtd; ]>'
    path = _write(tmp_path, _with_doctype(bundled_text, doctype), "param.xml")
    assert "refused to read a DOCTYPE with entity declarations" in _load_error(path)
    assert requests == []


def test_an_entity_expansion_bomb_is_refused_unexpanded(tmp_path, bundled_text):
    levels = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    levels += [f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    text = _with_doctype(bundled_text, "<!DOCTYPE sbml [\n" + "\n".join(levels) + "\n]>")
    text = text.replace('<model ', '<model name="&lol9;" ', 1)  # 10^9 copies if expanded
    assert "refused to read a DOCTYPE with entity declarations" in _load_error(_write(tmp_path, text))


def test_an_undeclared_entity_is_an_error_not_a_lookup(tmp_path, bundled_text):
    path = _write(tmp_path, bundled_text.replace('<model ', '<model name="&xxe;" ', 1))
    message = _load_error(path)
    assert message.startswith(f"{path} is not a valid SBML model: line ")
    assert "Undefined XML entity" in message


def test_processing_instructions_are_ignored(tmp_path, ctcl, bundled_text, server):
    url, requests = server
    marker = tmp_path / "pi-ran"
    instructions = (f'<?xml-stylesheet type="text/xsl" href="{url}/style.xsl"?>\n'
                    f'<?python open("{marker}", "w").write("ran")?>\n'
                    f'<?php file_put_contents("{marker}", "ran"); ?>\n')
    head, sep, rest = bundled_text.partition("?>")
    text = head + sep + "\n" + instructions + rest.replace("<listOfSpecies>", f'<?python open("{marker}", "w")?>'
                                                           "<listOfSpecies>", 1)
    model = js.load_model(_write(tmp_path, text))
    cond = js.Condition.make(cytokines={"IFNG": "10 ng/mL"}, t_end=30)
    np.testing.assert_array_equal(model.run(cond).to_numpy(), ctcl.run(cond).to_numpy())
    assert not marker.exists()
    assert requests == []


# ----------------------------------------------------------------------------- bad conditions


@pytest.mark.parametrize("kwargs,message", [
    ({"t_end": float("nan")}, "t_end must be a finite number, got nan"),
    ({"t_end": float("inf")}, "t_end must be a finite number, got inf"),
    ({"t_end": "120"}, "t_end must be a finite number, got '120'"),
    ({"preincubation": float("nan")}, "preincubation must be a finite number, got nan"),
    ({"points": 10.5}, "points must be an integer from 2 to 100000, got 10.5"),
    ({"points": 10**7}, "points must be an integer from 2 to 100000, got 10000000"),
    ({"t_end": 1e-300}, "t_end must be >= 1e-06 min, got 1e-300"),
    ({"drugs": {"ruxolitinib": 10}, "preincubation": 1e-300}, "preincubation must be 0 or >= 1e-06 min, got 1e-300"),
    ({"cytokines": {"IL6": 10**400}}, "dose of IL6: dose must be finite, got a number too large for a float"),
    ({"knockouts": 5}, "knockouts must be a name or a list of names, got 5"),
    ({"knockouts": ["SOCS3", 5]}, "knockouts must contain names (strings), got 5"),
    ({"mutations": 5}, "mutations must be a name or a list of names, got 5"),
    ({"parameters": {"dose_IL6": 1.0}}, "parameters['dose_IL6']: give doses with cytokines= or drugs=, not parameters="),
    ({"cytokines": {"IL6": "-5 nM"}}, "dose of IL6: dose must not be negative, got '-5 nM'"),
    ({"cytokines": {"IL6": float("-inf")}}, "dose of IL6: dose must be finite, got -inf"),
    ({"drugs": {"ruxolitinib": float("nan")}}, "dose of ruxolitinib: dose must be finite, got nan"),
    ({"drugs": {"ruxolitinib": "nan uM"}}, "dose of ruxolitinib: dose must be finite, got 'nan uM'"),
    ({"drugs": {"tofacitinib": js.plasma(-1)}}, "dose of tofacitinib: dose must not be negative, got -1"),
    ({"drugs": {"pimozide": "5 furlongs"}},
     "dose of pimozide: '5 furlongs' is not a concentration (use nM, uM, M, ng/mL, ...)"),
    ({"cytokines": {"IL2": "1 uM/min"}}, "dose of IL2: '1 uM/min' is not a concentration (use nM, uM, M, ng/mL, ...)"),
    ({"cytokines": {"IL2": "one nanomolar"}},
     "dose of IL2: cannot read dose 'one nanomolar'; give nM as a number or a string such as '500 nM', '1 uM' "
     "or '40 ng/mL'"),
    ({"cytokines": ["IL6"]}, "cytokines must be a mapping of name to value, got list"),
    ({"drugs": {"golidocitinib": "5 ng/mL"}},  # no molar mass in data/pharmacokinetics
     "dose of golidocitinib: a mass concentration ('5 ng/mL') needs a molar mass, and none is tabulated for it; "
     "give a molar dose"),
    ({"overexpress": {"PIAS3": float("nan")}}, "overexpress['PIAS3'] must be a finite number, got nan"),
    ({"mutations": {"STAT3_Y640F": 1.5}}, "mutations['STAT3_Y640F']: mutant fraction must be in [0, 1], got 1.5"),
    ({"parameters": {"kdeg_receptor": -1}}, "parameters['kdeg_receptor']: must not be negative, got -1.0"),
    # a knocked-out gene has no protein for the mutation to act on (it ran as the knockout, without a word)
    ({"knockouts": ["STAT5B"], "mutations": ["STAT5B_N642H"]},
     "STAT5B is both knocked out and mutated (STAT5B_N642H): a knocked-out gene has no protein to mutate"),
])
def test_bad_numbers_and_doses(ctcl, kwargs, message):
    reference = ctcl.simulate(cytokines={"IL6": 2}, t_end=30).to_numpy()
    with pytest.raises(js.InputError) as err:
        ctcl.simulate(**kwargs)
    assert str(err.value) == message
    with pytest.raises(js.InputError) as err:  # the same from the Condition itself
        js.Condition.make(**kwargs)
    assert str(err.value) == message
    np.testing.assert_array_equal(ctcl.simulate(cytokines={"IL6": 2}, t_end=30).to_numpy(), reference)



def test_a_drug_dose_in_ng_per_mL_is_converted_by_its_molar_mass():
    """Plasma levels are stated in ng/mL (the labels' Cmax); '50 ng/mL' of ruxolitinib was
    refused for want of a molar mass the package has (306.37 g/mol free base, PubChem, in
    data/pharmacokinetics/pk_parameters.tsv): 50 ng/mL is 50 / 306.37 uM."""
    nM = 50 / 306.37 * 1e3
    cond = js.Condition.make(drugs={"ruxolitinib": "50 ng/mL"})
    assert dict(cond.drugs)["ruxolitinib"] == pytest.approx(nM, rel=1e-12)
    fu = catalog.drug("ruxolitinib").fraction_unbound
    total = js.Condition.make(drugs={"ruxolitinib": js.plasma("50 ng/mL")})
    assert dict(total.drugs)["ruxolitinib"] == pytest.approx(nM * fu, rel=1e-12)
    curve = js.dose_response(js.load_model(), "ruxolitinib", "IL6", doses=["30 ng/mL", "300 ng/mL"], time=20)
    assert curve.doses.tolist() == pytest.approx([30 / 306.37 * 1e3, 300 / 306.37 * 1e3], rel=1e-12)

@pytest.mark.parametrize("kwargs,bad,nearest", [
    ({"overexpress": {"PIAS4": 2}}, "gene 'PIAS4'", ["'PIAS3'", "'PIAS1'"]),
    ({"knockouts": ["socs3"]}, "gene 'socs3'", ["'SOCS3'"]),
    ({"knockouts": "STAT5"}, "gene 'STAT5'", ["'STAT5A'", "'STAT5B'"]),
    ({"mutations": {"JAK2_V617F": 1}}, "mutation 'JAK2_V617F'", ["'JAK3_A572V'"]),
    ({"parameters": {"kdeg_recepter": 1}}, "parameter 'kdeg_recepter'", ["'kdeg_receptor'"]),
    ({"cytokines": {"ifng": 1}}, "cytokine 'ifng'", ["'IFNG'"]),
    ({"drugs": {"Ruxolitinib": 1}}, "drug 'Ruxolitinib'", ["'ruxolitinib'"]),
])
def test_unknown_names_name_the_bad_value_and_the_nearest_valid_ones(ctcl, kwargs, bad, nearest):
    with pytest.raises(js.UnknownNameError) as err:
        ctcl.simulate(**kwargs)
    message = str(err.value)
    assert message.startswith(f"unknown {bad}; did you mean ")
    for n in nearest:
        assert n in message.split("(valid:")[0]


def test_a_batch_with_one_bad_condition_fails_before_anything_runs(monkeypatch):
    model = js.load_model()
    ran = []
    original = model.run
    monkeypatch.setattr(model, "run", lambda cond, readouts=None: ran.append(cond) or original(cond, readouts))
    good = {"cytokines": {"IL6": 2}}
    with pytest.raises(js.UnknownNameError, match=r"^condition 2: unknown gene 'JAK4'; did you mean "):
        js.run(model, [good, good, {"knockouts": ["JAK4"]}])
    with pytest.raises(js.InputError, match=r"^condition 1: t_end must be > 0 min, got -1.0$"):
        js.run(model, [good, {"t_end": -1}])
    with pytest.raises(js.UnknownNameError, match=r"^unknown readout 'pSTAT9'; did you mean "):
        js.run(model, [good], readouts=["pSTAT3", "pSTAT9"])
    assert ran == []
    js.run(model, [good])  # and the spy does see a run that goes ahead
    assert len(ran) == 1


def test_readouts_must_be_names(ctcl):
    with pytest.raises(js.InputError, match=r"^readouts must be a name or a list of names, got 5$"):
        ctcl.simulate(cytokines={"IL6": 1}, readouts=5)


def test_one_readout_may_be_given_as_a_string(ctcl):
    df = ctcl.simulate(cytokines={"IL6": 1}, readouts="pSTAT3", t_end=10)
    assert list(df.columns) == ["time", "pSTAT3"]


def test_run_accepts_a_mapping_and_names_an_unknown_keyword(ctcl):
    cond = {"cytokines": {"IL6": 1}, "t_end": 10}
    np.testing.assert_array_equal(ctcl.run(cond).to_numpy(), ctcl.run(js.Condition.make(**cond)).to_numpy())
    with pytest.raises(js.UnknownNameError, match=r"unknown condition keyword 'cytokine'; did you mean 'cytokines'\?"):
        ctcl.run({"cytokine": {"IL6": 1}})


def test_batch_errors_name_the_bad_condition(ctcl):
    with pytest.raises(js.UnknownNameError, match=r"^condition 1: unknown gene 'JAK9'"):
        js.run(ctcl, [{"cytokines": {"IL6": 1}}, {"knockouts": ["JAK9"]}])


@pytest.mark.parametrize("spelling", ["IFN-gamma", "ifn_g", "IFNgamma"])
def test_cytokine_spellings_suggest_the_catalog_name(ctcl, spelling):
    with pytest.raises(js.UnknownNameError, match=r"did you mean 'IFNG'"):
        ctcl.simulate(cytokines={spelling: 1})


# ----------------------------------------------------------------------------- misspelt keywords


@pytest.mark.parametrize("call,kind", [
    (lambda m: m.simulate(cytokine={"IL6": 1}), "simulate() keyword"),
    (lambda m: m.condition(cytokine={"IL6": 1}), "Condition.make() keyword"),
    (lambda m: js.Condition.make(cytokine={"IL6": 1}), "Condition.make() keyword"),
    (lambda m: m.run({"cytokine": {"IL6": 1}}), "condition keyword"),
    (lambda m: js.run(m, [{"cytokine": {"IL6": 1}}]), "condition keyword"),
])
def test_a_misspelt_keyword_names_the_right_one(ctcl, call, kind):
    """Not a bare TypeError: the message names the keyword and the nearest valid one."""
    with pytest.raises(js.UnknownNameError) as err:
        call(ctcl)
    message = str(err.value).removeprefix("condition 0: ")
    assert message.startswith(f"unknown {kind} 'cytokine'; did you mean 'cytokines'? (valid: cytokines, drugs, ")


@pytest.mark.parametrize("typo,meant", [("knockout", "knockouts"), ("readout", "readouts"), ("tend", "t_end"),
                                        ("drug", "drugs"), ("pre_incubation", "preincubation")])
def test_simulate_suggests_the_nearest_keyword(ctcl, typo, meant):
    with pytest.raises(js.UnknownNameError, match=rf"^unknown simulate\(\) keyword '{typo}'; did you mean '{meant}'"):
        ctcl.simulate(cytokines={"IL6": 1}, **{typo: None})


# ----------------------------------------------------------------------------- bare-number doses


def _dose_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, js.JakStatWarning)]


def test_a_bare_cytokine_dose_that_looks_like_ng_per_mL_warns(ctcl):
    """Bare numbers are nM. 400 for IL-6 is 400 nM (8.3 ug/mL), far beyond any culture
    dose: probably meant as 400 ng/mL (19.2 nM). The dose stays what was written."""
    with pytest.warns(js.JakStatWarning) as record:
        cond = js.Condition.make(cytokines={"IL6": 400})
    assert dict(cond.cytokines)["IL6"] == 400
    (message,) = _dose_warnings(record)
    assert message == ("dose of IL6: the bare number 400 is read as 400 nM (8.32 ug/mL), more than 100 nM, far "
                       "beyond culture doses (about 0.01-10 nM, 0.1-100 ng/mL). Bare numbers are nM; if you meant "
                       "400 ng/mL (19.2 nM), write '400 ng/mL'. Write '400 nM' to keep nM without this warning.")
    assert record[0].filename == __file__  # points at the caller's line, not inside the package
    for entry in (lambda: ctcl.simulate(cytokines={"IFNG": 1000.0}, t_end=1, readouts="pSTAT1"),
                  lambda: js.run(ctcl, [{"cytokines": {"IL13": np.float64(250)}, "t_end": 1}], readouts="pSTAT6")):
        with pytest.warns(js.JakStatWarning, match="the bare number") as record:
            entry()
        assert record[0].filename == __file__


def test_doses_with_units_plausible_bare_doses_and_drugs_do_not_warn(recwarn):
    js.Condition.make(cytokines={"IL6": "400 nM", "IL13": "10 ug/mL", "IFNG": 100, "IL2": 40},
                      drugs={"ruxolitinib": 50_000})
    assert _dose_warnings(recwarn) == []
    from jakstat_sbml.units import quiet_bare_doses

    with quiet_bare_doses():  # doses a caller has already converted to nM
        js.Condition.make(cytokines={"IL6": 400.0})
    assert _dose_warnings(recwarn) == []


@pytest.mark.parametrize("kwargs,message", [
    ({"cytokines": {"IL6": 1e12}},
     "dose of IL6: 1000000000000.0 is 1e+03 M, more than 1 M: no dose can be that concentrated (bare numbers are nM)"),
    ({"drugs": {"ruxolitinib": "2 M"}},
     "dose of ruxolitinib: '2 M' is 2 M, more than 1 M: no dose can be that concentrated"),
    ({"drugs": {"tofacitinib": js.plasma(5e9)}},
     "dose of tofacitinib: 5000000000.0 is 5 M, more than 1 M: no dose can be that concentrated (bare numbers are nM)"),
    ({"cytokines": {"IL6": 2e6}},
     "dose of IL6: 2000000.0 is 2 mM (41.6 mg/mL), more than 1 mM (20.8 mg/mL) of protein: a stock solution, "
     "not a dose in medium (bare numbers are nM)"),
    ({"cytokines": {"IL2": "50 mg/mL"}},
     "dose of IL2: '50 mg/mL' is 3.25 mM (50 mg/mL), more than 1 mM (15.4 mg/mL) of protein: a stock solution, "
     "not a dose in medium"),
])
def test_physically_absurd_doses_are_refused(ctcl, kwargs, message):
    with pytest.raises(js.InputError) as err:
        ctcl.simulate(**kwargs)
    assert str(err.value) == message
    with pytest.raises(js.InputError):
        js.run(ctcl, [kwargs])


def test_the_largest_possible_doses_are_accepted():
    cond = js.Condition.make(cytokines={"IL6": "1 mM"}, drugs={"ruxolitinib": "1 M"})
    assert dict(cond.cytokines)["IL6"] == pytest.approx(1e6) and dict(cond.drugs)["ruxolitinib"] == pytest.approx(1e9)
