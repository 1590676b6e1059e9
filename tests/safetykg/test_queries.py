"""The query library (safetykg/queries.py): headers, parameters as terms, running."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store, Variable

from safetykg.errors import BadParameter, QuerySyntaxError, UnknownQuery
from safetykg.namespaces import ID, SK
from safetykg.queries import QUERY_DIR, NamedQuery, QueryLibrary, default_library, parse_query

HEADER = "# title: t\n# zh: 问？\n# en: Ask?\n"
XSD = "http://www.w3.org/2001/XMLSchema#"


def one(text: str) -> NamedQuery:
    return parse_query("q", HEADER + text)


def test_every_file_in_queries_loads_and_has_a_bilingual_header() -> None:
    library = QueryLibrary.load(QUERY_DIR)
    assert len(library) == len(list(QUERY_DIR.glob("*.rq")))
    for name, named in library.items():
        assert named.title and named.zh and named.en, name
        assert named.form in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def test_the_registry_answers_have_their_named_queries() -> None:
    library = default_library()
    for name in (
        "hazard-responsibility",
        "overdue-hazards",
        "index-counts",
        "overdue-index-page",
        "hazard-fields",
        "hazard-statistics",
        "status-index-members",
        "hazard-history",
        "major-hazards-open-on",
        "major-hazards-found-between",
        "major-hazards-overdue-on",
    ):
        assert name in library


def test_header_params_are_parsed_into_typed_params() -> None:
    q = one(
        "# param: ?dept  sk:Department IRI (required)\n"
        "# param: ?asOf  xsd:date (default: today)\n"
        "# param: ?n     xsd:integer\n"
        "# param: ?ids   sk:Hazard IRI list (required)\n"
        "SELECT ?dept ?asOf ?n WHERE { VALUES ?ids { } }"
    )
    dept, as_of, n, ids = q.params
    assert (dept.name, dept.is_iri, dept.required, dept.kind) == ("dept", True, True, "department")
    assert (as_of.datatype, as_of.default, as_of.required) == (XSD + "date", "today", False)
    assert (n.datatype, n.default, n.required) == (XSD + "integer", None, False)
    assert ids.is_list and ids.kind == "hazard"
    assert q.describe()["params"][0] == {
        "name": "dept",
        "type": "sk:Department IRI",
        "required": True,
        "default": None,
        "list": False,
    }


def test_bind_converts_values_to_terms_and_fills_defaults() -> None:
    q = one(
        "# param: ?dept sk:Department IRI (required)\n# param: ?asOf xsd:date (default: today)\n"
        "# param: ?flag xsd:boolean (default: false)\n# param: ?n xsd:integer\n"
        "SELECT ?dept ?asOf ?flag ?n WHERE { }"
    )
    dept = f"{ID}department/bozhou/education"
    bound = q.bind({"dept": dept, "n": "7"}, today=dt.date(2025, 1, 31))
    assert bound[Variable("dept")] == NamedNode(dept)
    assert bound[Variable("asOf")] == Literal("2025-01-31", datatype=NamedNode(XSD + "date"))
    assert bound[Variable("flag")] == Literal("false", datatype=NamedNode(XSD + "boolean"))
    assert bound[Variable("n")] == Literal("7", datatype=NamedNode(XSD + "integer"))
    assert (
        q.bind({"dept": NamedNode(dept), "asOf": dt.date(2024, 2, 29)})[Variable("asOf")].value
        == "2024-02-29"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "needs ?dept"),
        ({"dept": "http://example.org/x"}, "not one of our IRIs"),
        ({"dept": f"{ID}sector/urban-gas"}, "must be a sk:Department"),
        ({"dept": f"{ID}department/bozhou/education", "asOf": "2024-02-30"}, "not a date"),
        ({"dept": f"{ID}department/bozhou/education", "n": "7.5"}, "not an integer"),
        ({"dept": f"{ID}department/bozhou/education", "zzz": "1"}, "no parameter ?zzz"),
        ({"dept": str(ID) + "department/bozhou/x> } ; DROP ALL ; <"}, "not a valid IRI"),
    ],
)
def test_bad_values_are_refused_before_any_query_runs(values: dict, message: str) -> None:
    q = one(
        "# param: ?dept sk:Department IRI (required)\n# param: ?asOf xsd:date (default: today)\n"
        "# param: ?n xsd:integer\nSELECT ?dept ?asOf ?n WHERE { }"
    )
    with pytest.raises(BadParameter, match=message.replace("?", r"\?")):
        q.bind(values)


def test_a_string_parameter_cannot_change_the_query() -> None:
    store = Store()
    g = NamedNode("http://example.org/g")
    store.add(Quad(NamedNode(f"{ID}a"), NamedNode(str(SK.note)), Literal("x"), g))
    q = one(
        "# param: ?text xsd:string (required)\n"
        "SELECT ?text ?s WHERE { ?s sk:note ?o FILTER(CONTAINS(?o, ?text)) }"
    )
    evil = '") || true || CONTAINS("'
    assert list(q.run(store, {"text": evil})) == []
    assert [r["s"].value for r in q.run(store, {"text": "x"})] == [f"{ID}a"]


def test_list_parameters_fill_their_values_block_with_checked_terms() -> None:
    q = one("# param: ?h sk:Hazard IRI list (required)\nSELECT ?h WHERE { VALUES ?h { } }")
    text = q.sparql({"h": [f"{ID}hazard/H-1", f"{ID}hazard/H-2"]})
    assert f"VALUES ?h {{ <{ID}hazard/H-1> <{ID}hazard/H-2> }}" in text
    assert [r["h"].value for r in q.run(Store(), {"h": [f"{ID}hazard/H-1"]})] == [f"{ID}hazard/H-1"]
    with pytest.raises(BadParameter, match="must be a sk:Hazard"):
        q.sparql({"h": [f"{ID}sector/urban-gas"]})
    with pytest.raises(BadParameter, match="takes a list"):
        q.sparql({"h": f"{ID}hazard/H-1"})


def test_limit_and_offset_are_written_from_whole_numbers() -> None:
    q = one("SELECT ?x WHERE { VALUES ?x { 1 2 3 4 } } ORDER BY ?x")
    rows = q.run(Store(), limit=2, offset=1)
    assert [int(r["x"].value) for r in rows] == [2, 3]
    for bad in ("2; DROP ALL", -1, 10**9):
        with pytest.raises(BadParameter):
            q.sparql(limit=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# title: t\n# en: Ask?\nSELECT * WHERE { }", "lacks # zh"),
        (HEADER + "# param: ?d xsd:date (required)\nSELECT ?x WHERE { }", "projection"),
        (HEADER + "# param: ?d xsd:wobble\nSELECT ?d WHERE { }", "unknown parameter type"),
        (HEADER + "# param: ?l IRI list\nSELECT ?l WHERE { }", "VALUES ?l"),
        (HEADER + "SELECT ?x WHERE { ?x ?y }", "q"),
    ],
)
def test_a_broken_file_fails_at_load_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message.replace("?", r"\?")):
        parse_query("q", text, Path("queries/q.rq"))


def test_load_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "good.rq").write_text(HEADER + "SELECT * WHERE { }", encoding="utf-8")
    (tmp_path / "bad.rq").write_text(HEADER + "SELEC * WHERE { }", encoding="utf-8")
    with pytest.raises(QuerySyntaxError, match="bad.rq"):
        QueryLibrary.load(tmp_path)


def test_unknown_query_names_the_known_ones() -> None:
    library = QueryLibrary.from_texts({"one": HEADER + "SELECT * WHERE { }"})
    with pytest.raises(UnknownQuery, match="known: one"):
        library.get("two")
    with pytest.raises(UnknownQuery):
        library["two"]


def test_a_named_query_runs_over_the_union_graph(built_store: Store) -> None:
    library = default_library()
    rows = list(
        library.run(
            built_store,
            "sector-lead-departments",
            {"sector": f"{ID}sector/urban-gas"},
        )
    )
    assert rows
    assert {r["dept"].value for r in rows if r["dept"] is not None} == {
        f"{ID}department/bozhou/urban-management"
    }
