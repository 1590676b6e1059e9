"""Tests of safetykg/export.py and safetykg/analysis.py.

Each format is read back by an independent reader (networkx, json, pydot,
csv, rdflib), and the node and edge counts of each scope are compared with
SPARQL counts written here, independently of the module's own queries.
GraphML and GEXF are validated against their XSDs when those are in
``tests/data/xsd/`` (see the README there for where they come from).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from networkx.readwrite import json_graph
from pyoxigraph import NamedNode, RdfFormat, Store

from safetykg.analysis import analyse
from safetykg.errors import BadParameter, NotFound
from safetykg.export import FORMATS, export, parse_scope, scope_graph
from safetykg.namespaces import GRAPH_HAZARDS, GRAPH_ONTOLOGY, GRAPH_REFERENCE, plan_graph
from safetykg.reason import materialise
from safetykg.store import query
from tests.helpers.project import REPO

XSD_DIR = Path(__file__).resolve().parents[1] / "data" / "xsd"
HAZARDS = Path(__file__).resolve().parent / "fixtures" / "export-hazards.ttl"
PLAN = plan_graph("bozhou-2024")
P = "PREFIX sk: <https://w3id.org/safetykg/ontology#>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
ASSERTED = 'FILTER(STRSTARTS(STR(?g), "https://w3id.org/safetykg/graph/plan/") || ?g = <https://w3id.org/safetykg/graph/reference> || ?g = <https://w3id.org/safetykg/graph/hazards>)'
EDUCATION = "https://w3id.org/safetykg/id/department/bozhou/education"


def count(store: Store, sparql: str) -> int:
    rows = list(query(store, P + sparql))
    return int(rows[0]["n"].value)


@pytest.fixture(scope="module")
def hazard_store(project_root: Path) -> Iterator[Store]:
    """The repository's graphs plus the hazard fixture, in memory, with inferences."""
    store = Store()
    loads = [
        (project_root / "ontology" / "safetykg.ttl", GRAPH_ONTOLOGY),
        (project_root / "graph_data" / "plans" / "bozhou-2024.ttl", PLAN),
        (HAZARDS, GRAPH_HAZARDS),
    ] + [
        (p, GRAPH_REFERENCE)
        for p in sorted((project_root / "graph_data" / "reference").glob("*.ttl"))
    ]
    for path, graph in loads:
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(str(graph)))
    materialise(store)
    yield store


# --------------------------------------------------------------------------- scopes


@pytest.mark.parametrize(
    ("text", "kind", "key", "by", "as_of"),
    [
        ("plan", "plan", None, None, None),
        ("plan:bozhou-2024", "plan", "bozhou-2024", None, None),
        ("department:bozhou/education", "department", "bozhou/education", None, None),
        ("action:bozhou-2024/3", "action", "bozhou-2024/3", None, None),
        ("responsibility", "responsibility", None, None, None),
        ("hazards:sector:urban-gas", "hazards", "urban-gas", "sector", None),
        (
            "hazards:department:education:overdue:2025-06-30",
            "hazards",
            "education",
            "department",
            date(2025, 6, 30),
        ),
        ("hazards:region:guoyang:overdue", "hazards", "guoyang", "region", date(2025, 1, 2)),
    ],
)
def test_parse_scope(
    text: str, kind: str, key: str | None, by: str | None, as_of: date | None
) -> None:
    scope = parse_scope(text, today=date(2025, 1, 2))
    assert (scope.kind, scope.key, scope.by, scope.as_of) == (kind, key, by, as_of)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("everything", "Unknown scope"),
        ("department:", "needs an id"),
        ("hazards:county:x", "Unknown hazard scope"),
        ("hazards:region:guoyang:overdue:2024-02-30", "not a real date"),
        ("hazards:region:guoyang:overdue:yesterday", "YYYY-MM-DD"),
    ],
)
def test_bad_scopes_are_named(text: str, message: str) -> None:
    with pytest.raises(BadParameter, match=message):
        parse_scope(text)


def test_unknown_ids_are_not_found(built_store: Store) -> None:
    with pytest.raises(NotFound, match="No department 'ministry-of-magic'"):
        scope_graph(built_store, "department:ministry-of-magic")
    with pytest.raises(NotFound, match="No plan"):
        scope_graph(built_store, "plan:atlantis-2024")
    with pytest.raises(BadParameter, match="not one of our resources"):
        scope_graph(built_store, "node:http://example.org/x")


def test_department_ids_resolve_three_ways(built_store: Store) -> None:
    graphs = [
        scope_graph(built_store, f"department:{key}").graph
        for key in ("education", "bozhou/education", EDUCATION)
    ]
    assert all(EDUCATION in g for g in graphs)
    assert len({(g.number_of_nodes(), g.number_of_edges()) for g in graphs}) == 1
    node = graphs[0].nodes[EDUCATION]
    assert (node["label_zh"], node["label_en"], node["type"]) == (
        "亳州市教育局",
        "Bozhou Municipal Education Bureau",
        "sk:Department",
    )
    campus = "https://w3id.org/safetykg/id/sector/campus"
    edge = graphs[0].get_edge_data(campus, EDUCATION)
    (data,) = edge.values()
    assert data["predicate"] == "sk:leadDepartment" and data["joint"] is False
    assert data["quote"] == "市教育局牵头负责校园安全"


# --------------------------------------------------------------------------- counts


def test_responsibility_network_counts(built_store: Store) -> None:
    result = scope_graph(built_store, "responsibility")
    graph = result.graph
    departments = [n for n, d in graph.nodes(data=True) if d["type"] == "sk:Department"]
    leads = [d for *_, d in graph.edges(data=True) if d["role"] == "lead"]
    assert len(leads) == 48 and len(departments) == 19
    assert len(leads) == count(
        built_store, "SELECT (COUNT(DISTINCT ?la) AS ?n) { ?la a sk:LeadAssignment }"
    )
    assert graph.number_of_nodes() == count(
        built_store,
        "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?la a sk:LeadAssignment ; sk:assignedDepartment|sk:assignedSector ?x }",
    )
    joint = {
        (u.rsplit("/", 1)[1], v.rsplit("/", 1)[1])
        for u, v, d in graph.edges(data=True)
        if d["joint"]
    }
    assert joint == {("transport", "railway-line"), ("public-security", "railway-line")}
    assert all(d["quote"] and d["source_span"] for *_, d in graph.edges(data=True))


def test_plan_counts(built_store: Store) -> None:
    graph = scope_graph(built_store, "plan").graph
    nodes = count(
        built_store,
        f"""SELECT (COUNT(DISTINCT ?x) AS ?n) {{ GRAPH <{PLAN}> {{
             {{ ?x ?p ?o }} UNION {{ ?s ?p ?x FILTER(!isLiteral(?x) && ?p != rdf:type) }} }} }}""",
    )
    edges = count(
        built_store,
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{PLAN}> {{ ?s ?p ?o FILTER(!isLiteral(?o) && ?p != rdf:type) }} }}",
    )
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges)
    types = {d["type"] for _, d in graph.nodes(data=True)}
    assert {
        "sk:Plan",
        "sk:Action",
        "sk:Task",
        "sk:Deadline",
        "sk:SourceSpan",
        "sk:HighRiskSector",
    } <= types


def test_action_counts(built_store: Store) -> None:
    action = "<https://w3id.org/safetykg/id/action/bozhou-2024/1>"
    members = f"""{{ VALUES ?x {{ {action} }} }} UNION {{ {action} sk:hasTask ?x }} UNION
       {{ {action} sk:hasTask ?t . ?t sk:hasDeadline|sk:hasFrequency|sk:mentionsDepartment|sk:participatingDepartment|sk:concernsSector ?x }}"""
    nodes = count(built_store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ {members} }}")
    edges = count(
        built_store,
        f"""SELECT (COUNT(*) AS ?n) {{ SELECT DISTINCT ?s ?p ?o {{
          {{ SELECT DISTINCT (?x AS ?s) {{ {members} }} }}
          {{ SELECT DISTINCT (?x AS ?o) {{ {members} }} }}
          GRAPH ?g {{ ?s ?p ?o }} FILTER(?p != rdf:type) {ASSERTED} }} }}""",
    )
    graph = scope_graph(built_store, "action:1").graph
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges)
    tasks = sorted(d["number"] for _, d in graph.nodes(data=True) if d["type"] == "sk:Task")
    assert tasks == [1, 2, 3, 4]
    deadlines = [d for _, d in graph.nodes(data=True) if d["type"] == "sk:Deadline"]
    assert deadlines and all(d["dueDate"][:2] == "20" for d in deadlines)


def test_hazard_scope_counts(hazard_store: Store) -> None:
    region = "<https://w3id.org/safetykg/id/region/guoyang>"
    hazards = f"?h sk:atEnterprise ?e . ?e sk:inRegion {region} ."
    members = f"""{{ {hazards} BIND(?h AS ?x) }} UNION {{ {hazards} BIND(?e AS ?x) }} UNION
      {{ {hazards} ?e sk:inSector|sk:inRegion ?x }} UNION {{ {hazards} ?h sk:responsibleDepartment ?x }}"""
    nodes = count(hazard_store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ {members} }}")
    graph = scope_graph(hazard_store, "hazards:region:guoyang").graph
    assert graph.number_of_nodes() == nodes
    kinds = sorted(d["predicate"] for *_, d in graph.edges(data=True))
    assert kinds.count("sk:atEnterprise") == 5
    assert kinds.count("sk:responsibleDepartment") == 5
    assert (
        graph.nodes["https://w3id.org/safetykg/id/hazard/H-2024-0001"]["status"] == "StatusClosed"
    )


def test_overdue_hazards_as_of_a_date(hazard_store: Store) -> None:
    graph = scope_graph(hazard_store, "hazards:region:guoyang:overdue:2025-06-30").graph
    late = {
        n.rsplit("/", 1)[1]: d["daysOverdue"]
        for n, d in graph.nodes(data=True)
        if "daysOverdue" in d
    }
    assert late == {"H-2024-0002": 181, "H-2025-0003": 91, "H-2025-0008": 10}
    graph = scope_graph(hazard_store, "hazards:sector:urban-gas:overdue:2025-06-30").graph
    late = {
        n.rsplit("/", 1)[1]
        for n, d in graph.nodes(data=True)
        if d["type"] in ("sk:Hazard", "sk:MajorHazard")
    }
    assert late == {"H-2024-0002", "H-2025-0006", "H-2025-0008"}
    graph = scope_graph(hazard_store, "hazards:department:transport").graph
    hazards = {n.rsplit("/", 1)[1] for n, d in graph.nodes(data=True) if d["type"] == "sk:Hazard"}
    assert hazards == {"H-2025-0005"}  # railway-line is led jointly with public security


def test_node_cap_cuts_with_a_message(hazard_store: Store) -> None:
    result = scope_graph(hazard_store, "hazards:sector:urban-gas", max_nodes=6)
    assert result.truncated and result.graph.number_of_nodes() <= 6
    assert "has 5 hazards" in (result.note or "") and "--max-nodes" in (result.note or "")
    assert result.graph.graph["note"] == result.note
    full = scope_graph(hazard_store, "hazards:sector:urban-gas")
    assert not full.truncated and full.note is None


# --------------------------------------------------------------------------- formats


def read_back(name: str, data: bytes) -> tuple[int, int]:
    """(nodes, edges) as an independent reader sees them."""
    if name == "graphml":
        g = nx.read_graphml(io.BytesIO(data))
        return g.number_of_nodes(), g.number_of_edges()
    if name == "gexf":
        g = nx.read_gexf(io.BytesIO(data), version="1.3")
        return g.number_of_nodes(), g.number_of_edges()
    if name == "cytoscape":
        g = json_graph.cytoscape_graph(json.loads(data))
        return g.number_of_nodes(), g.number_of_edges()
    if name == "node-link":
        g = json_graph.node_link_graph(json.loads(data), edges="links")
        return g.number_of_nodes(), g.number_of_edges()
    if name == "dot":
        import pydot

        (dot,) = pydot.graph_from_dot_data(data.decode("utf-8"))
        return len(dot.get_nodes()), len(dot.get_edges())
    if name == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode("utf-8"))))
            edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
        return len(nodes), len(edges)
    raise AssertionError(name)


NETWORK_FORMATS = [name for name, f in FORMATS.items() if f.network]
RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig"}


def test_the_format_table_is_complete() -> None:
    assert set(FORMATS) == {"graphml", "gexf", "cytoscape", "node-link", "dot", "csv"} | set(
        RDF_FORMATS
    )


@pytest.mark.parametrize("scope", ["responsibility", "department:education", "action:2", "plan"])
@pytest.mark.parametrize("name", NETWORK_FORMATS)
def test_network_formats_read_back(built_store: Store, name: str, scope: str) -> None:
    if (name, scope) == ("dot", "plan"):
        pytest.skip("pydot's parser needs ~30 s for the whole plan; the smaller scopes cover DOT")
    data, result = export(built_store, name, scope)
    assert read_back(name, data) == (result.graph.number_of_nodes(), result.graph.number_of_edges())


def test_attributes_survive_graphml_and_gexf(built_store: Store) -> None:
    data, _ = export(built_store, "graphml", "department:education")
    g = nx.read_graphml(io.BytesIO(data))
    assert g.nodes[EDUCATION]["label_zh"] == "亳州市教育局"
    assert {d["predicate"] for *_, d in g.edges(data=True)} >= {
        "sk:leadDepartment",
        "sk:jurisdiction",
    }
    data, _ = export(built_store, "gexf", "department:education")
    g = nx.read_gexf(io.BytesIO(data), version="1.3")
    assert g.nodes[EDUCATION]["label"] == "亳州市教育局"
    assert b'version="1.3"' in data and b"http://gexf.net/1.3" in data


def test_cytoscape_json_has_edge_ids_and_labels(built_store: Store) -> None:
    data, _ = export(built_store, "cytoscape", "responsibility")
    elements = json.loads(data)["elements"]
    assert len({e["data"]["id"] for e in elements["edges"]}) == 48
    labels = {n["data"]["label"] for n in elements["nodes"]}
    assert {"消防", "亳州市消防救援支队"} <= labels
    fire = next(n["data"] for n in elements["nodes"] if n["data"]["label"] == "消防")
    assert "消防安全" in fire["alt_labels"].split(" | ")  # what the explorer's search matches


@pytest.mark.parametrize("scope", ["responsibility", "department:education", "plan"])
@pytest.mark.parametrize("name", list(RDF_FORMATS))
def test_rdf_formats_parse(built_store: Store, name: str, scope: str) -> None:
    data, result = export(built_store, name, scope)
    if name == "trig":
        dataset = rdflib.Dataset()
        dataset.parse(data=data, format="trig")
        triples = sum(len(g) for g in dataset.graphs() if len(g))
        graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
        assert str(PLAN) in graphs
    else:
        graph = rdflib.Graph()
        graph.parse(data=data, format=RDF_FORMATS[name])
        triples = len(graph)
    if scope == "plan":
        assert triples == count(
            built_store, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{PLAN}> {{ ?s ?p ?o }} }}"
        )
    else:
        assert triples > result.graph.number_of_nodes()
    if name == "jsonld":
        assert isinstance(json.loads(data)["@context"], dict)  # inline, never a remote URL


def test_rdf_export_keeps_the_source_sentence(built_store: Store) -> None:
    data, _ = export(built_store, "turtle", "responsibility")
    graph = rdflib.Graph().parse(data=data, format="turtle")
    quotes = {
        str(o)
        for o in graph.objects(None, rdflib.URIRef("https://w3id.org/safetykg/ontology#quote"))
    }
    assert "市消防救援支队牵头负责消防安全" in quotes


def test_unknown_format_is_refused_before_querying(built_store: Store) -> None:
    with pytest.raises(BadParameter, match="Unknown export format 'svg'"):
        export(built_store, "svg", "plan")


# --------------------------------------------------------------------------- XSDs


def _schema(name: str):  # type: ignore[no-untyped-def]
    path = XSD_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is not in the repository (see tests/data/xsd/README.md)")
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(path))


@pytest.mark.parametrize(("name", "xsd"), [("graphml", "graphml.xsd"), ("gexf", "gexf.xsd")])
def test_xml_formats_validate_against_their_xsd(built_store: Store, name: str, xsd: str) -> None:
    schema = _schema(xsd)
    for scope in ("responsibility", "plan"):
        data, _ = export(built_store, name, scope)
        schema.validate(io.BytesIO(data))


# --------------------------------------------------------------------------- analysis


def test_analysis_of_the_plan(built_store: Store) -> None:
    result = analyse(built_store, as_of=date(2025, 6, 30))
    assert result.network == {"departments": 19, "sectors": 47, "lead_edges": 48}
    top = result.departments[0]
    assert (top.label_zh, top.sectors) == ("亳州市城市管理局", 5)
    transport = next(d for d in result.departments if d.iri.endswith("/transport"))
    assert (transport.sectors, transport.joint_sectors) == (4, 1)
    assert transport.betweenness_centrality > 0
    (pair,) = result.shared_sectors
    assert {d.label_zh for d in pair.departments} == {"亳州市公安局", "亳州市交通运输局"}
    assert [s.label_zh for s in pair.sectors] == ["铁路沿线"]
    unled = {s.label_zh for s in result.unled_sectors}
    assert {"粉尘涉爆", "成品油", "交通运输"} <= unled
    assert not unled & {s for s in ("消防安全", "城镇燃气")}
    committee = next(d for d in result.departments if d.iri.endswith("/safety-committee"))
    assert (committee.sectors, committee.tasks) == (0, 3)


def test_analysis_counts_hazards_as_of_a_date(hazard_store: Store) -> None:
    result = analyse(hazard_store, as_of=date(2025, 6, 30))
    by_dept = {d.iri.rsplit("/", 1)[1]: d for d in result.departments}
    gas = by_dept["urban-management"]
    assert (gas.hazards, gas.open_hazards, gas.overdue_hazards) == (5, 4, 3)
    chem = by_dept["emergency-management"]
    assert (chem.hazards, chem.open_hazards, chem.overdue_hazards) == (2, 2, 1)
    assert by_dept["public-security"].overdue_hazards == by_dept["transport"].overdue_hazards == 1
    assert json.loads(json.dumps(result.as_dict()))["as_of"] == "2025-06-30"


def test_repository_plan_is_what_the_store_holds() -> None:
    assert (REPO / "graph_data" / "plans" / "bozhou-2024.ttl").is_file()


def test_a_hazard_neighbourhood_includes_its_record(hazard_store: Store) -> None:
    graph = scope_graph(hazard_store, "node:hazard/H-2025-0005").graph
    names = {n.rsplit("/", 1)[1] for n in graph.nodes}
    assert names == {"H-2025-0005", "91341600MA2EXP0003", "ontology#StatusRectifying"}
    graph = scope_graph(hazard_store, "node:enterprise/91341600MA2EXP0004").graph
    names = {n.rsplit("/", 1)[1] for n in graph.nodes}
    assert names == {"91341600MA2EXP0004", "urban-gas", "qiaocheng", "H-2025-0006", "H-2025-0007"}
    sector = scope_graph(hazard_store, "sector:urban-gas").graph
    assert not any("/hazard/" in n or "/enterprise/" in n for n in sector.nodes)


def _library(name: str, store: Store) -> list[dict[str, str]]:
    rows = query(store, (REPO / "queries" / f"{name}.rq").read_text(encoding="utf-8"))
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def test_export_and_analysis_agree_with_the_query_library(built_store: Store) -> None:
    """The exports, the analysis and the researchers' queries give the same answers."""
    edges = _library("responsibility-network-edges", built_store)
    lead_pairs = {(e["source"], e["target"]) for e in edges if e["relation"] == "leadsSector"}
    network = scope_graph(built_store, "responsibility").graph
    assert lead_pairs == {(s, o) for s, o, d in network.edges(data=True) if d["role"] == "lead"}
    unled = {r["sector"] for r in _library("sectors-without-lead", built_store)}
    assert unled == {s.iri for s in analyse(built_store).unled_sectors}


@pytest.mark.parametrize("name", ["csv", "node-link", "cytoscape"])
def test_edge_ends_are_nodes(built_store: Store, name: str) -> None:
    """No edge attribute may shadow the edge's own ``source``/``target`` in the tabular formats."""
    data, result = export(built_store, name, "responsibility")
    nodes = set(result.graph.nodes)
    if name == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode("utf-8"))))
    elif name == "node-link":
        edges = json.loads(data)["links"]
    else:
        edges = [e["data"] for e in json.loads(data)["elements"]["edges"]]
    assert len(edges) == 48
    assert all(e["source"] in nodes and e["target"] in nodes for e in edges)
    assert all(e["source_span"].startswith("https://w3id.org/safetykg/id/span/") for e in edges)
