"""Check the ontology and the data: OWL 2 DL consistency with HermiT, and SHACL.

Two independent checks, one report:

* **HermiT** (through owlready2, Java required) reads the ontology together
  with the data graphs and says whether they are consistent and which named
  classes are unsatisfiable (equivalent to ``owl:Nothing``). Literals whose
  datatype is outside the OWL 2 datatype map (``xsd:date``,
  ``xsd:duration``) are ignored by HermiT; the report lists which ones were
  seen, so nobody mistakes "ignored" for "checked".
* **pyshacl** validates the data graphs (plans, reference, hazards; never
  ``graph/inferred``) against ``ontology/shapes.ttl``, with the ontology as
  ``ont_graph`` and ``inference="none"``. The ontology is mixed into the data
  graph, so ``sh:targetClass`` and ``sh:class`` follow ``rdfs:subClassOf`` as
  the SHACL spec says; RDFS inference is *not* run because its
  ``rdfs:domain``/``rdfs:range`` rules would type any resource that a property
  points at, hiding exactly the missing ``rdf:type`` and wrongly-typed values
  the shapes are there to catch (and it is several times slower).
  ``sh:Violation`` results fail the check; warnings and infos are listed.

This module does not fix anything and does not touch the store's graphs.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from pyoxigraph import Store
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, SH, XSD

from safetykg.errors import SafetyKGError
from safetykg.namespaces import (
    GRAPH,
    GRAPH_HAZARDS,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_REFERENCE,
    curie,
)

__all__ = [
    "CheckReport",
    "ReasonerReport",
    "ShaclReport",
    "ShaclResult",
    "check",
    "check_graphs",
    "hermit",
    "load_project_graphs",
    "load_store_graphs",
    "shacl",
]

# The datatypes of the OWL 2 datatype map that HermiT supports (OWL 2 Structural
# Specification, section 4); literals of any other datatype are ignored by it.
_OWL2_DATATYPES = {
    str(dt)
    for dt in (
        RDF.PlainLiteral, RDF.XMLLiteral, rdflib.RDFS.Literal, RDF.langString,
        OWL.real, OWL.rational, XSD.decimal, XSD.integer, XSD.nonNegativeInteger,
        XSD.nonPositiveInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.long,
        XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt,
        XSD.unsignedShort, XSD.unsignedByte, XSD.double, XSD.float, XSD.string,
        XSD.normalizedString, XSD.token, XSD.language, XSD.Name, XSD.NCName,
        XSD.NMTOKEN, XSD.boolean, XSD.hexBinary, XSD.base64Binary, XSD.anyURI,
        XSD.dateTime, XSD.dateTimeStamp,
    )
}  # fmt: skip


@dataclass(frozen=True)
class ReasonerReport:
    """HermiT's verdict. ``consistent`` is None when HermiT could not run."""

    consistent: bool | None
    unsatisfiable: list[str] = field(default_factory=list)
    ignored_datatypes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.consistent is True and not self.unsatisfiable


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, in display form (CURIEs where possible)."""

    focus: str
    path: str
    message: str
    severity: str
    shape: str
    value: str = ""

    def line(self) -> str:
        value = f" (value {self.value})" if self.value else ""
        return f"{self.severity}: {self.focus} {self.path}: {self.message}{value}"


@dataclass(frozen=True)
class ShaclReport:
    """pyshacl's verdict; only ``sh:Violation`` results make it fail."""

    results: list[ShaclResult]
    seconds: float = 0.0

    @property
    def violations(self) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class CheckReport:
    """Both checks; ``ok`` is False if either failed."""

    hermit: ReasonerReport | None
    shacl: ShaclReport | None

    @property
    def ok(self) -> bool:
        return all(part.ok for part in (self.hermit, self.shacl) if part is not None)

    def lines(self) -> list[str]:
        """The report as text lines, for the CLI and for test failure messages."""
        out: list[str] = []
        if (h := self.hermit) is not None:
            if h.error:
                out.append(f"HermiT: could not run: {h.error}")
            else:
                verdict = "consistent" if h.consistent else "INCONSISTENT"
                out.append(
                    f"HermiT: {verdict}; {len(h.unsatisfiable)} unsatisfiable classes "
                    f"({h.seconds:.1f} s)"
                )
                out += [f"  unsatisfiable: {c}" for c in h.unsatisfiable]
                if h.ignored_datatypes:
                    ignored = ", ".join(h.ignored_datatypes)
                    out.append(f"  note: literals of {ignored} are outside OWL 2 and not checked")
        if (s := self.shacl) is not None:
            others = len(s.results) - len(s.violations)
            out.append(
                f"SHACL: {len(s.violations)} violations, {others} warnings/infos "
                f"({s.seconds:.1f} s)"
            )
            out += [f"  {r.line()}" for r in s.results]
        out.append("check: OK" if self.ok else "check: FAILED")
        return out


# --------------------------------------------------------------------------- inputs


def load_project_graphs(project_root: Path | str) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(ontology, data) from the files of a checkout: ``ontology/safetykg.ttl``,
    and the committed ``graph_data/plans/*.ttl``, ``reference/*.ttl`` and
    ``hazards/*.ttl``. Nothing is extracted again."""
    from safetykg.store import read_plan_list

    root = Path(project_root)
    ontology = rdflib.Graph().parse(root / "ontology" / "safetykg.ttl", format="turtle")
    data = rdflib.Graph()
    graph_data = root / "graph_data"
    files = [graph_data / plan.turtle_path for plan in read_plan_list(root)]
    files += sorted(graph_data.glob("reference/*.ttl")) + sorted(graph_data.glob("hazards/*.ttl"))
    for path in files:
        data.parse(path, format="turtle")
    return ontology, data


def load_store_graphs(store: Store) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(ontology, data) from a store: ``graph/ontology``, and every plan graph
    plus ``graph/reference`` and ``graph/hazards`` (never ``graph/inferred``)."""
    from safetykg.store import rdflib_graph

    names = [g.value for g in store.named_graphs()]
    data_graphs = [
        g
        for g in names
        if g.startswith(str(GRAPH["plan/"])) or g in (str(GRAPH_REFERENCE), str(GRAPH_HAZARDS))
    ]
    if str(GRAPH_ONTOLOGY) not in names:
        raise SafetyKGError("The store has no ontology graph; rebuild it.")
    assert str(GRAPH_INFERRED) not in data_graphs
    return rdflib_graph(store, GRAPH_ONTOLOGY), rdflib_graph(store, *data_graphs)


# --------------------------------------------------------------------------- checks


def check(
    source: Path | str | Store,
    *,
    shapes: Path | str | None = None,
    java: str | None = None,
    run_hermit: bool = True,
    run_shacl: bool = True,
) -> CheckReport:
    """Run HermiT and SHACL over a checkout (a path) or a built store.

    ``shapes`` defaults to ``ontology/shapes.ttl`` of the checkout; it is
    required when ``source`` is a store. ``java`` defaults to ``java`` on the
    PATH.
    """
    if isinstance(source, Store):
        if shapes is None:
            raise SafetyKGError("check(store) needs the path of the SHACL shapes file.")
        ontology, data = load_store_graphs(source)
    else:
        ontology, data = load_project_graphs(source)
        shapes = shapes or Path(source) / "ontology" / "shapes.ttl"
    shapes_graph = rdflib.Graph().parse(shapes, format="turtle") if run_shacl else None
    return check_graphs(ontology, data, shapes_graph, java=java, run_hermit=run_hermit)


def check_graphs(
    ontology: rdflib.Graph,
    data: rdflib.Graph,
    shapes: rdflib.Graph | None,
    *,
    java: str | None = None,
    run_hermit: bool = True,
) -> CheckReport:
    """Both checks over graphs already in memory (``shapes=None`` skips SHACL)."""
    return CheckReport(
        hermit=hermit(ontology, data, java=java) if run_hermit else None,
        shacl=shacl(data, shapes, ontology) if shapes is not None else None,
    )


def hermit(
    ontology: rdflib.Graph, data: rdflib.Graph, *, java: str | None = None
) -> ReasonerReport:
    """Classify ontology + data with HermiT; report consistency and unsatisfiable classes.

    The graphs are written to a temporary N-Triples file for owlready2, without
    ``owl:imports`` (owlready2 would fetch them; we allow no network).
    """
    import owlready2

    started = time.monotonic()
    java_exe = java or shutil.which("java")
    if java_exe is None:
        return ReasonerReport(consistent=None, error="no `java` on the PATH (HermiT needs it)")

    merged = rdflib.Graph()
    for triple in (*ontology, *data):
        if triple[1] != OWL.imports:
            merged.add(triple)
    ignored = sorted(
        {
            curie(str(o.datatype))
            for o in merged.objects()
            if isinstance(o, rdflib.Literal)
            and o.datatype
            and str(o.datatype) not in _OWL2_DATATYPES
        }
    )

    saved_java = owlready2.JAVA_EXE
    owlready2.JAVA_EXE = java_exe
    world = owlready2.World()
    try:
        with tempfile.TemporaryDirectory(prefix="safetykg-hermit-") as tmp:
            path = Path(tmp) / "kg.nt"
            merged.serialize(path, format="nt", encoding="utf-8")
            onto = world.get_ontology(path.as_uri()).load(format="ntriples")
            try:
                with onto:
                    owlready2.sync_reasoner_hermit(
                        world,
                        infer_property_values=False,
                        debug=0,
                        ignore_unsupported_datatypes=True,
                    )
            except owlready2.OwlReadyInconsistentOntologyError:
                return ReasonerReport(
                    consistent=False,
                    ignored_datatypes=ignored,
                    seconds=time.monotonic() - started,
                )
            except owlready2.OwlReadyJavaError as exc:
                return ReasonerReport(consistent=None, error=str(exc).strip()[:2000])
            unsatisfiable = sorted(
                curie(c.iri) for c in world.inconsistent_classes() if c is not owlready2.Nothing
            )
    finally:
        owlready2.JAVA_EXE = saved_java
        world.close()
    return ReasonerReport(
        consistent=True,
        unsatisfiable=unsatisfiable,
        ignored_datatypes=ignored,
        seconds=time.monotonic() - started,
    )


def shacl(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph) -> ShaclReport:
    """Validate ``data`` against ``shapes`` (see the module docstring for the settings)."""
    import pyshacl

    started = time.monotonic()
    _, results_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=False,
    )
    assert isinstance(results_graph, rdflib.Graph)
    results = []
    for result in results_graph.subjects(RDF.type, SH.ValidationResult):

        def one(prop: rdflib.URIRef, r: rdflib.term.Node = result) -> str:
            value = results_graph.value(r, prop)
            if value is None:
                return ""
            if isinstance(value, rdflib.URIRef):
                return curie(str(value))
            if isinstance(value, rdflib.BNode):
                return _path_text(results_graph, value)
            return str(value)

        results.append(
            ShaclResult(
                focus=one(SH.focusNode),
                path=one(SH.resultPath),
                message=one(SH.resultMessage),
                severity=one(SH.resultSeverity).removeprefix(str(SH)).removeprefix("sh:"),
                shape=one(SH.sourceShape),
                value=one(SH.value),
            )
        )
    results.sort(key=lambda r: (r.severity != "Violation", r.focus, r.path, r.message))
    return ShaclReport(results=results, seconds=time.monotonic() - started)


def _path_text(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    """A SHACL property path in SPARQL-like text (``^p``, ``p/q``), or ``[]``."""
    if (inverse := graph.value(node, SH.inversePath)) is not None:
        return "^" + _path_text(graph, inverse)
    if isinstance(node, rdflib.URIRef):
        return curie(str(node))
    items = list(Collection(graph, node)) if graph.value(node, RDF.first) else []
    return "/".join(_path_text(graph, i) for i in items) if items else "[]"
