"""Materialise the OWL 2 RL consequences our queries rely on into ``graph/inferred``.

The ontology states, for example, that ``sk:leadsSector`` is the inverse of
``sk:leadDepartment`` and that ``sk:responsibleDepartment`` is the chain
``sk:atEnterprise / sk:inSector / sk:leadDepartment``. Queries should not have
to spell those out, so after every build (and after every import) this module
writes the facts they imply into their own named graph, where they can be told
apart from what a source stated.

The rules are SPARQL updates. Each reads its axioms from ``graph/ontology``
(nothing about our vocabulary is hard-coded here) and its facts from every
named graph, and only adds a triple that no graph holds yet. They are applied
until nothing changes. Together they give what an OWL 2 RL reasoner derives
(``tests/safetykg/test_reason.py`` checks this against owlrl) for:

=================  ==========================================================
OWL 2 RL rule      what is added
=================  ==========================================================
prp-inv1/2         ``?y q ?x`` for ``?x p ?y`` and ``p owl:inverseOf q`` (or ``q … p``)
prp-spo1, -eqp     ``?x q ?y`` for ``?x p ?y`` and ``p rdfs:subPropertyOf+ q``
prp-spo2           ``?x0 p ?xn`` for each ``p owl:propertyChainAxiom (p1 … pn)``
prp-symp, prp-trp  symmetric and transitive properties
prp-dom, prp-rng   ``rdf:type`` from ``rdfs:domain``/``rdfs:range`` (named classes only)
cax-sco, cax-eqc   ``rdf:type`` along ``rdfs:subClassOf+``/``owl:equivalentClass``
=================  ==========================================================

Class expressions (restrictions, unions, intersections) are left to HermiT in
:mod:`safetykg.check`; the RL rules for them would add nothing our queries use.
``owl:Thing`` and ``rdfs:Resource`` are never materialised.
"""

from __future__ import annotations

import logging

from pyoxigraph import BlankNode, NamedNode, Store

from safetykg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, OWL, RDF

__all__ = ["materialise", "rules"]

log = logging.getLogger(__name__)

_MAX_ROUNDS = 64

_PROLOGUE = """\
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

# Each template's WHERE reads axioms from <ONTO> and facts from any named graph;
# {new} is the triple added to <INF> when no graph holds it yet.
_GENERIC = {
    "prp-inv": (
        "?y ?q ?x",
        """GRAPH <ONTO> { { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } }
           FILTER(isIRI(?p) && isIRI(?q))
           GRAPH ?g { ?x ?p ?y } FILTER(!isLiteral(?y))""",
    ),
    "prp-spo1": (
        "?x ?q ?y",
        """GRAPH <ONTO> {
             ?p (rdfs:subPropertyOf|owl:equivalentProperty|^owl:equivalentProperty)+ ?q }
           FILTER(isIRI(?p) && isIRI(?q) && ?p != ?q)
           GRAPH ?g { ?x ?p ?y }""",
    ),
    "prp-symp": (
        "?y ?p ?x",
        """GRAPH <ONTO> { ?p a owl:SymmetricProperty }
           GRAPH ?g { ?x ?p ?y } FILTER(!isLiteral(?y))""",
    ),
    "prp-trp": (
        "?x ?p ?z",
        """GRAPH <ONTO> { ?p a owl:TransitiveProperty }
           GRAPH ?g1 { ?x ?p ?y } GRAPH ?g2 { ?y ?p ?z }""",
    ),
    "prp-dom": (
        "?x a ?c",
        """GRAPH <ONTO> { ?p rdfs:domain ?c }
           FILTER(isIRI(?c) && ?c NOT IN (owl:Thing, rdfs:Resource))
           GRAPH ?g { ?x ?p ?y }""",
    ),
    "prp-rng": (
        "?y a ?c",
        """GRAPH <ONTO> { ?p rdfs:range ?c }
           FILTER(isIRI(?c) && ?c NOT IN (owl:Thing, rdfs:Resource))
           GRAPH ?g { ?x ?p ?y } FILTER(!isLiteral(?y))""",
    ),
    "cax-sco": (
        "?x a ?d",
        """GRAPH <ONTO> {
             ?c (rdfs:subClassOf|owl:equivalentClass|^owl:equivalentClass)+ ?d }
           FILTER(isIRI(?c) && isIRI(?d) && ?c != ?d && ?d NOT IN (owl:Thing, rdfs:Resource))
           GRAPH ?g { ?x a ?c }""",
    ),
}


def _insert(name: str, new: str, where: str) -> str:
    return (
        f"# {name}\nINSERT {{ GRAPH <INF> {{ {new} }} }}\n"
        f"WHERE {{ {where}\n  FILTER NOT EXISTS {{ GRAPH ?any {{ {new} }} }} }}"
    )


def _chain_rules(store: Store) -> list[str]:
    """One prp-spo2 update per ``owl:propertyChainAxiom`` in the ontology graph."""
    onto = NamedNode(str(GRAPH_ONTOLOGY))
    axiom, first, rest, nil = (
        NamedNode(str(OWL.propertyChainAxiom)),
        NamedNode(str(RDF.first)),
        NamedNode(str(RDF.rest)),
        NamedNode(str(RDF.nil)),
    )
    updates = []
    for quad in store.quads_for_pattern(None, axiom, None, onto):
        chain: list[NamedNode] = []
        node = quad.object
        while isinstance(node, NamedNode | BlankNode) and node != nil:
            step = next(store.quads_for_pattern(node, first, None, onto), None)
            nxt = next(store.quads_for_pattern(node, rest, None, onto), None)
            if step is None or nxt is None or not isinstance(step.object, NamedNode):
                log.warning("skipping malformed property chain on %s", quad.subject)
                chain = []
                break
            chain.append(step.object)
            node = nxt.object
        if not chain or not isinstance(quad.subject, NamedNode):
            continue
        # The IRIs come from the ontology graph as validated NamedNodes, whose
        # str() is their SPARQL syntax; no outside text enters the update.
        steps = " ".join(
            f"GRAPH ?g{i} {{ ?x{i} {prop} ?x{i + 1} }}" for i, prop in enumerate(chain)
        )
        new = f"?x0 {quad.subject} ?x{len(chain)}"
        updates.append(_insert(f"prp-spo2 {quad.subject.value}", new, steps))
    return updates


def rules(store: Store) -> list[str]:
    """The SPARQL updates one round of :func:`materialise` runs, in order.

    Exposed so the rules can be read, logged and tested on their own.
    """
    updates = [_insert(name, new, where) for name, (new, where) in _GENERIC.items()]
    updates += _chain_rules(store)
    onto, inf = str(GRAPH_ONTOLOGY), str(GRAPH_INFERRED)
    return [u.replace("<ONTO>", f"<{onto}>").replace("<INF>", f"<{inf}>") for u in updates]


def _count(store: Store) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)  # type: ignore[index, union-attr, call-overload]


def materialise(store: Store, *, incremental: bool = False) -> int:
    """Recompute ``graph/inferred`` and return how many triples it holds.

    With ``incremental=False`` (the build) the graph is dropped and derived
    again, which also removes facts whose premises are gone. With
    ``incremental=True`` (after an import that only adds triples) existing
    inferences are kept and only what the new facts imply is added; since every
    rule is monotone the result is the same as a full run, and readers never
    see the graph emptied. Either way, inferred triples that a source graph
    has since stated itself are removed, so no triple is counted twice.

    Each round is one transaction; a full run is not atomic for a reader of
    the same store, which is why :func:`safetykg.store.build` runs it before
    the new store is published.
    """
    onto = NamedNode(str(GRAPH_ONTOLOGY))
    if not store.contains_named_graph(onto):
        raise ValueError(f"the store has no ontology graph <{onto.value}> to reason with")
    round_updates = rules(store)
    inf = str(GRAPH_INFERRED)
    if not incremental:
        store.update(f"DROP SILENT GRAPH <{inf}>")
    before = _count(store)
    for round_no in range(1, _MAX_ROUNDS + 1):
        store.update(_PROLOGUE + " ;\n".join(round_updates))
        after = _count(store)
        log.debug("materialise round %d: %d -> %d", round_no, before, after)
        if after == before:
            break
        before = after
    else:
        raise RuntimeError(f"materialise did not reach a fixpoint in {_MAX_ROUNDS} rounds")
    store.update(
        f"DELETE {{ GRAPH <{inf}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{inf}> {{ ?s ?p ?o }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{inf}>) }}"
    )
    store.add_graph(NamedNode(inf))
    return _count(store)
