"""The store on a SPARQL 1.1 server: :class:`RemoteStore`, a stand-in for ``pyoxigraph.Store``.

When one process is not enough, the data moves to a SPARQL database built to
scale and replicate (Oxigraph server, Virtuoso, Apache Jena Fuseki, a managed
service) and the API runs as several stateless workers. The rest of safetykg
keeps calling the ``pyoxigraph.Store`` methods it always called; this module
answers them over HTTP and hands back pyoxigraph's own result objects, so the
callers cannot tell the difference:

=========================  =====================================================
``Store`` method            over HTTP
=========================  =====================================================
``query``                   SPARQL 1.1 Protocol (form POST); SELECT/ASK answers are
                            read with :func:`pyoxigraph.parse_query_results`,
                            CONSTRUCT/DESCRIBE answers become real ``QueryTriples``
``substitutions=``          a ``VALUES`` block per group (:mod:`safetykg.substitute`)
``use_default_graph_as_     ``union-default-graph`` (Oxigraph) or a protocol dataset
union``                     naming each of our graphs (everyone else); see :class:`ServerKind`
``update``                  SPARQL 1.1 Update (``application/sparql-update``)
``load``, ``extend``        one ``INSERT DATA`` (one transaction, as embedded);
                            ``INSERT {…} WHERE {}`` when there are blank nodes
``bulk_load``,              Graph Store Protocol POSTs of ``batch_size`` statements
``bulk_extend``             (N-Quads to the dataset on Oxigraph, N-Triples per graph
                            elsewhere); without a GSP URL, ``INSERT DATA`` batches
``dump``                    Graph Store Protocol GET, re-serialised by pyoxigraph
``quads_for_pattern``       a ``SELECT``; a whole graph comes from a GSP GET; a
                            pattern with a blank node is matched in a fresh copy
                            of the graph
``named_graphs`` …          ``SELECT DISTINCT ?g``, ``ASK``, ``CREATE``/``CLEAR``/``DROP``
``flush``, ``optimize``     nothing to do: the server owns its storage
=========================  =====================================================

Errors keep pyoxigraph's classes, so :func:`safetykg.store.query` maps them as
before: :class:`SyntaxError` for a query the server calls malformed (400),
:class:`OSError` (:class:`RemoteUnavailable`, :class:`RemoteTimeout`) when the
server cannot be reached, refuses the credentials or fails.

The default graph. Where queries get their union default graph from a
protocol dataset (``dataset`` and ``native`` modes: Virtuoso, Fuseki, generic
services), the server's own default graph is not ours to use — Virtuoso has
none for updates, a union default graph has no room for it — so what the
embedded store keeps in its default graph (the registry's record digests) is
kept in the named graph ``<graphs>default`` and read back as the default graph
(:func:`default_graph_data`); it is not listed by :meth:`named_graphs`.

Atomicity. One ``query``, ``update`` or ``load`` is one request and one
transaction on servers that have them (Oxigraph: every request; Virtuoso:
every SPARQL Update request; Fuseki/TDB2: every request). A ``bulk_load`` is
atomic per batch on Oxigraph (a GSP POST without ``no_transaction`` is one
transaction; ``atomic_batches=False`` sends ``no_transaction`` for Oxigraph's
faster bulk loader, which is not atomic) and on Fuseki; Virtuoso loads a Graph
Store upload with row-level autocommit, so a failed batch can be partly
written: load the same file again (the registry's imports are idempotent).
Triples with blank nodes are kept together in the last batch of their graph,
so a blank node is never split in two by a batch boundary.

Virtuoso 7. Besides its own URLs and digest authentication
(:data:`KINDS`), safetykg meets four deviations and works around them here:
blank nodes come back as ``nodeID://b…`` (renamed to plain labels);
``BIND(EXISTS {…} AS ?x)`` comes back as 1/0 (sent as
``xsd:boolean(EXISTS {…})``, :func:`boolean_binds`); its SPARQL compiler takes
at most about 1,500 triples per ``INSERT DATA`` (larger data updates are sent
in parts of 1,000, each atomic, :func:`split_data_update`); and it cannot
evaluate a closure path with both ends free, which the reasoner needs
(:func:`materialise` reasons here instead). One it keeps: ``xsd:duration``
values are stored as numbers (``"P3M"`` becomes ``3``).

What the server does not have. Empty named graphs exist on Oxigraph only;
elsewhere a graph exists when it holds a triple. Blank nodes cannot be
substituted into a query (``VALUES`` has no syntax for them). ``backup`` is the
server's own business. Custom SPARQL functions written in Python cannot run on
a server.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeAlias
from typing import Literal as Lit

import httpx
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
    parse_query_results,
    serialize,
)

from safetykg.namespaces import GRAPH

if TYPE_CHECKING:
    from safetykg.settings import Settings
from safetykg.substitute import (
    Token,
    has_dataset_clause,
    prologue,
    sparql_term,
    substitute,
    tokenize,
)

__all__ = [
    "KINDS",
    "materialise",
    "RemoteStore",
    "RemoteTimeout",
    "RemoteUnavailable",
    "ServerKind",
    "sparql_term",
]

log = logging.getLogger(__name__)

GraphName: TypeAlias = NamedNode | BlankNode | DefaultGraph
QueryResult: TypeAlias = QuerySolutions | QueryBoolean | QueryTriples

_GRAPH_LIST_SECONDS = 5.0
"""How long the list of our graphs (the dataset sent with each query) is reused."""
_SNAPSHOT_SECONDS = 5.0
"""How long a copy of a graph fetched to match blank nodes is reused."""


class RemoteUnavailable(OSError):
    """The SPARQL server could not be reached, refused the request or failed."""


class RemoteTimeout(RemoteUnavailable):
    """The SPARQL server did not answer within the store's timeout."""


# --------------------------------------------------------------------------- servers


@dataclass(frozen=True)
class ServerKind:
    """What differs between SPARQL servers, as data (``SAFETYKG_STORE_KIND``)."""

    name: str
    query_path: str
    """Appended to ``SAFETYKG_STORE`` for the query URL."""
    update_path: str
    gsp_path: str | None
    """Graph Store Protocol path; ``None``: loads go through SPARQL Update."""
    union: Lit["param", "dataset", "native"]
    """How a query sees the union of the named graphs as its default graph:
    ``param``: Oxigraph's ``union-default-graph`` parameter; ``dataset``: a
    protocol dataset with each of our graphs as ``default-graph-uri`` and
    ``named-graph-uri``; ``native``: the server's default graph already is the
    union (Fuseki with ``tdb2:unionDefaultGraph true``)."""
    results: QueryResultsFormat
    dataset_post: bool
    """The GSP URL takes N-Quads for the whole dataset (no ``?graph=``)."""
    empty_graphs: bool
    """Named graphs exist without triples (``GRAPH ?g {}`` lists them)."""
    closure_paths: bool = True
    """Evaluates ``?a (p|q)+ ?b`` with neither end bound (Virtuoso refuses:
    "transitive start not given"), which the reasoner's rules need."""
    max_data_triples: int | None = None
    """The most triples one ``INSERT DATA``/``DELETE DATA`` request may carry (Virtuoso's
    SPARQL compiler gives up past about 1,500); larger ones are sent in parts."""
    integer_booleans: bool = False
    """Answers ``BIND(EXISTS {…} AS ?x)`` with the integers 1/0 instead of
    ``true``/``false`` (Virtuoso): such expressions are sent as
    ``xsd:boolean(EXISTS {…})``, which means the same on every server."""
    auth_paths: tuple[str, str] | None = None
    """(update path, GSP path) to use instead when credentials are configured."""
    deletes_uploads: bool = True
    """``DELETE DATA`` removes every triple a Graph Store upload added. Virtuoso 7 leaves
    the language-tagged literals of uploads in place, so a large import there is not sent
    before it has passed (see :attr:`RemoteStore.loads_early`)."""


# fmt: off
KINDS: dict[str, ServerKind] = {
    "oxigraph": ServerKind(
        "oxigraph", "/query", "/update", "/store", "param",
        QueryResultsFormat.JSON, dataset_post=True, empty_graphs=True,
    ),
    "virtuoso": ServerKind(
        "virtuoso", "/sparql", "/sparql", "/sparql-graph-crud", "dataset",
        QueryResultsFormat.XML, dataset_post=False, empty_graphs=False, closure_paths=False,
        integer_booleans=True, max_data_triples=1000,
        auth_paths=("/sparql-auth", "/sparql-graph-crud-auth"), deletes_uploads=False,
    ),
    "fuseki": ServerKind(
        "fuseki", "/query", "/update", "/data", "dataset",
        QueryResultsFormat.JSON, dataset_post=True, empty_graphs=False,
    ),
    "generic": ServerKind(
        "generic", "", "", None, "dataset",
        QueryResultsFormat.JSON, dataset_post=False, empty_graphs=False,
    ),
}
# fmt: on
"""Defaults per server; every URL and the union mode can be set on their own."""

_RESULT_TYPES = {
    QueryResultsFormat.JSON: "application/sparql-results+json",
    QueryResultsFormat.XML: "application/sparql-results+xml",
}
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_VIRTUOSO_BNODE = re.compile(rb"<bnode>nodeID://")
_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


_XSD_BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"


def boolean_binds(text: str) -> str:
    """Wrap ``EXISTS``/``NOT EXISTS`` bound with ``AS`` in ``xsd:boolean(…)``.

    The cast of a boolean to ``xsd:boolean`` is the identity, so the query
    means the same; Virtuoso then answers ``true``/``false`` as it should.

    >>> boolean_binds("SELECT ?x { BIND(EXISTS { ?s ?p ?o } AS ?x) }")
    'SELECT ?x { BIND(<http://www.w3.org/2001/XMLSchema#boolean>(EXISTS { ?s ?p ?o }) AS ?x) }'
    """
    tokens = tokenize(text)
    inserts: dict[int, str] = {}  # offset in the text -> what goes there
    for i, t in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if t.text != "(" or not (
            nxt.is_word("EXISTS")
            or (nxt.is_word("NOT") and i + 2 < len(tokens) and tokens[i + 2].is_word("EXISTS"))
        ):
            continue
        depth, close = 0, None
        for j in range(i, len(tokens)):
            if tokens[j].text == "(":
                depth += 1
            elif tokens[j].text == ")":
                depth -= 1
                if depth == 0:
                    close = j
                    break
        if close is None or close < 3 or not tokens[close - 2].is_word("AS"):
            continue
        inserts[nxt.start] = inserts.get(nxt.start, "") + _XSD_BOOLEAN + "("
        end = tokens[close - 3].end
        inserts[end] = ")" + inserts.get(end, "")
    out, last = [], 0
    for offset in sorted(inserts):
        out += [text[last:offset], inserts[offset]]
        last = offset
    out.append(text[last:])
    return "".join(out)


def split_data_update(text: str, limit: int | None) -> list[str] | None:
    """Cut an update made only of ``INSERT DATA``/``DELETE DATA`` into requests of at most
    ``limit`` triples, in order; ``None`` when it need not or cannot be cut.

    Each part is one transaction; the whole is not. Only servers that cannot
    take a large data block in one request (Virtuoso) get this.

    >>> for part in split_data_update('INSERT DATA { <a:s> <a:p> "1" . <a:s> <a:p> "2" }', 1):
    ...     print(part)
    INSERT DATA { <a:s> <a:p> "1" . }
    INSERT DATA { <a:s> <a:p> "2" . }
    """
    if not limit:
        return None
    tokens = tokenize(text)
    prologue_end = 0
    ops: list[tuple[str, list[tuple[str | None, list[str]]]]] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.is_word("PREFIX") and i + 2 < len(tokens):
            prologue_end, i = tokens[i + 2].end, i + 3
            continue
        if t.is_word("BASE") and i + 1 < len(tokens):
            prologue_end, i = tokens[i + 1].end, i + 2
            continue
        if t.text == ";":
            i += 1
            continue
        if not (
            t.is_word("INSERT", "DELETE")
            and i + 2 < len(tokens)
            and tokens[i + 1].is_word("DATA")
            and tokens[i + 2].text == "{"
        ):
            return None
        blocks: list[tuple[str | None, list[str]]] = []
        j = i + 3
        while j < len(tokens) and tokens[j].text != "}":
            if tokens[j].is_word("GRAPH"):
                name, k = tokens[j + 1].text, j + 3
                statements, k = _statements(text, tokens, k)
                blocks.append((name, statements))
                j = k + 1
            else:
                statements, j = _statements(text, tokens, j)
                blocks.append((None, statements))
        ops.append((t.text.upper(), blocks))
        i = j + 1
    total = sum(len(st) for _, blocks in ops for _, st in blocks)
    if total <= limit:
        return None
    head = text[:prologue_end]
    parts = []
    for verb, blocks in ops:
        for name, statements in blocks:
            for start in range(0, len(statements), limit):
                body = " ".join(statements[start : start + limit])
                inner = f"GRAPH {name} {{ {body} }}" if name else body
                parts.append(f"{head}\n{verb} DATA {{ {inner} }}".lstrip())
    return parts


def _statements(text: str, tokens: list[Token], j: int) -> tuple[list[str], int]:
    """The triples (each with its ``.``) from token ``j`` up to the closing ``}``."""
    out: list[str] = []
    start = tokens[j].start if j < len(tokens) else len(text)
    depth = 0
    while j < len(tokens):
        tok = tokens[j]
        if tok.text in "[(":
            depth += 1
        elif tok.text in "])":
            depth -= 1
        elif tok.text == "}" and depth == 0:
            break
        elif tok.text == "." and depth == 0 and (tok.end == len(text) or text[tok.end].isspace()):
            out.append(text[start : tok.end].strip())
            start = tokens[j + 1].start if j + 1 < len(tokens) else tok.end
        elif tok.is_word("GRAPH") and depth == 0:
            break
        j += 1
    rest = text[start : tokens[j].start if j < len(tokens) else len(text)].strip()
    if rest:
        out.append(rest + " .")
    return out, j


def default_graph_data(text: str, graph: NamedNode) -> str:
    """Move the default-graph triples of ``INSERT DATA``/``DELETE DATA`` into ``graph``.

    Used where the server's default graph is not ours to write (Virtuoso has
    none for updates; a union default graph has no room for it), so that
    what the embedded store keeps in its default graph is kept in one named
    graph instead, and read back as the default graph.

    >>> default_graph_data(
    ...     'INSERT DATA { <a:s> <a:p> "1" . GRAPH <a:g> { <a:s> <a:p> "2" } }', NamedNode("a:d"))
    'INSERT DATA { GRAPH <a:g> { <a:s> <a:p> "2" } GRAPH <a:d> { <a:s> <a:p> "1" . } }'
    """
    tokens = tokenize(text)
    out: list[str] = []
    last = 0
    i = 0
    while i < len(tokens) - 2:
        t = tokens[i]
        if not (
            t.is_word("INSERT", "DELETE")
            and tokens[i + 1].is_word("DATA")
            and tokens[i + 2].text == "{"
        ):
            i += 1
            continue
        start = i + 2
        depth, j = 0, start
        named: list[str] = []
        loose: list[str] = []
        segment_from = tokens[start].end
        while j < len(tokens):
            tok = tokens[j]
            if tok.text == "{":
                depth += 1
            elif tok.text == "}":
                depth -= 1
                if depth == 0:
                    break
            if depth == 1 and tok.is_word("GRAPH"):
                loose.append(text[segment_from : tok.start])
                k = j + 2  # GRAPH <name> {
                inner = 0
                while k < len(tokens):
                    if tokens[k].text == "{":
                        inner += 1
                    elif tokens[k].text == "}":
                        inner -= 1
                        if inner == 0:
                            break
                    k += 1
                named.append(text[tok.start : tokens[k].end])
                segment_from = tokens[k].end
                j = k + 1
                continue
            j += 1
        if j >= len(tokens):
            break
        loose.append(text[segment_from : tokens[j].start])
        triples = " ".join(part.strip() for part in loose if part.strip())
        if triples:
            if not triples.endswith("."):
                triples += " ."
            named.append(f"GRAPH {graph} {{ {triples} }}")
        out.append(text[last : tokens[start].end])
        out.append(" " + " ".join(named) + " ")
        last = tokens[j].start
        i = j + 1
    out.append(text[last:])
    return "".join(out)


def _query_form(text: str) -> str:
    for token in tokenize(text):
        if token.is_word(*_FORMS):
            return token.text.upper()
    return "SELECT"


class _StreamReader(io.RawIOBase):
    """A file-like view of an HTTP response body, read as it arrives."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


# --------------------------------------------------------------------------- store


class RemoteStore:
    """The subset of ``pyoxigraph.Store`` safetykg uses, on a SPARQL 1.1 server.

    ``url`` is the server's base URL (``SAFETYKG_STORE``); the query, update
    and Graph Store URLs default to the ``kind``'s paths under it and can be
    given on their own. ``user``/``password`` are sent as Basic (or, with
    ``auth="digest"``, Digest) credentials, ``token`` as a bearer token.
    ``graphs`` is the IRI prefix of the graphs this service owns: on a shared
    server (Virtuoso keeps its own system graphs) the union default graph and
    :meth:`named_graphs` are limited to it. A ``read_only`` store refuses
    every write with :class:`OSError`, as ``Store.read_only`` does.

    Thread-safe: one HTTP connection pool is shared by all threads.
    """

    def __init__(
        self,
        url: str,
        *,
        kind: str = "oxigraph",
        query_url: str | None = None,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        auth: Lit["basic", "digest"] = "basic",
        union: Lit["auto", "param", "dataset", "native"] = "auto",
        graphs: str | None = str(GRAPH),
        timeout: float = 60.0,
        batch_size: int = 50_000,
        atomic_batches: bool = True,
        read_only: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown store kind {kind!r}; one of {', '.join(KINDS)}")
        self.kind = KINDS[kind]
        base = url.rstrip("/")
        update_path, gsp_path = self.kind.update_path, self.kind.gsp_path
        if self.kind.auth_paths and (user or token):
            update_path, gsp_path = self.kind.auth_paths
        self.url = base
        self.query_url = query_url or base + self.kind.query_path
        self.update_url = update_url or base + update_path
        self.gsp_url = gsp_url or (base + gsp_path if gsp_path is not None else None)
        self.union = self.kind.union if union == "auto" else union
        self.graphs = graphs or None
        self.default_graph: NamedNode | None = None
        """Where the default graph's triples are kept when the server's default graph is
        not a graph of its own for us (``dataset``/``native`` union modes)."""
        if self.union != "param":
            self.default_graph = NamedNode((self.graphs or "urn:x-safetykg:") + "default")
        self.batch_size = batch_size
        self.atomic_batches = atomic_batches
        self.read_only = read_only
        headers = {"User-Agent": "safetykg"}
        credentials: httpx.Auth | None = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif user is not None:
            credentials = (
                httpx.DigestAuth(user, password or "")
                if auth == "digest"
                else httpx.BasicAuth(user, password or "")
            )
        self._http = httpx.Client(
            auth=credentials,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self._lock = threading.Lock()
        self._graph_list: tuple[float, list[str]] | None = None
        self._snapshots: dict[str, tuple[float, list[Quad]]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, *, read_only: bool = False) -> RemoteStore:
        """The store ``SAFETYKG_STORE`` and the ``SAFETYKG_STORE_*`` settings describe."""
        if not settings.store:
            raise ValueError("SAFETYKG_STORE is not set")
        return cls(
            settings.store,
            kind=settings.store_kind,
            query_url=settings.store_query_url,
            update_url=settings.store_update_url,
            gsp_url=settings.store_gsp_url,
            user=settings.store_user,
            password=_secret(settings.store_password),
            token=_secret(settings.store_token),
            auth=settings.store_auth,
            union=settings.store_union,
            graphs=settings.store_graphs,
            timeout=settings.store_timeout,
            batch_size=settings.store_batch,
            atomic_batches=settings.store_atomic_batches,
            read_only=read_only,
        )

    def __repr__(self) -> str:
        return f"<RemoteStore {self.kind.name} {self.query_url}>"

    def close(self) -> None:
        """Close the HTTP connections (the store is unusable afterwards)."""
        self._http.close()

    # ------------------------------------------------------------------ HTTP

    def _post(self, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.post(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise RemoteTimeout(f"{url} did not answer in time ({exc})") from exc
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"cannot reach the SPARQL server at {url}: {exc}") from exc
        return response

    def _get(self, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.get(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise RemoteTimeout(f"{url} did not answer in time ({exc})") from exc
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"cannot reach the SPARQL server at {url}: {exc}") from exc

    @staticmethod
    def _check(response: httpx.Response, what: str, *, syntax: bool = False) -> None:
        if response.is_success:
            return
        message = response.text.strip()[:2000] or response.reason_phrase
        if syntax and response.status_code == 400:
            raise SyntaxError(message)
        raise RemoteUnavailable(
            f"the SPARQL server refused the {what} ({response.status_code} "
            f"{response.reason_phrase}): {message}"
        )

    def _writable(self) -> None:
        if self.read_only:
            raise OSError("this store was opened read-only; it refuses writes")

    def _wrote(self) -> None:
        with self._lock:
            self._graph_list = None
            self._snapshots.clear()

    # ------------------------------------------------------------------ dataset

    def _our_graphs(self) -> list[str]:
        """Our named graphs (cached briefly: they are sent with every dataset-mode query)."""
        with self._lock:
            cached = self._graph_list
        if cached is not None and time.monotonic() - cached[0] < _GRAPH_LIST_SECONDS:
            return cached[1]
        graphs = [g.value for g in self._list_graphs() if isinstance(g, NamedNode)]
        with self._lock:
            self._graph_list = (time.monotonic(), graphs)
        return graphs

    def _list_graphs(self) -> list[NamedNode]:
        pattern = "{}" if self.kind.empty_graphs else "{ ?s ?p ?o }"
        where = f"GRAPH ?g {pattern}"
        if self.graphs:
            where += f" FILTER(STRSTARTS(STR(?g), {sparql_term(Literal(self.graphs))}))"
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ {where} }}", dataset={})
        graphs = (r["g"] for r in rows if isinstance(r["g"], NamedNode))
        return sorted((g for g in graphs if g != self.default_graph), key=str)

    def _dataset(
        self,
        text: str,
        union: bool,
        default_graph: Sequence[GraphName] | GraphName | None,
        named_graphs: Sequence[GraphName] | None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if default_graph is not None or named_graphs is not None:
            if isinstance(default_graph, NamedNode | BlankNode | DefaultGraph):
                default_graph = [default_graph]
            params["default-graph-uri"] = [
                self._name(g).value
                for g in default_graph or ()
                if isinstance(self._name(g), NamedNode)
            ]
            params["named-graph-uri"] = [
                g.value for g in named_graphs or () if isinstance(g, NamedNode)
            ]
            if not params["default-graph-uri"]:
                params["default-graph-uri"] = ["urn:x-safetykg:empty"]
            if not params["named-graph-uri"]:
                params["named-graph-uri"] = ["urn:x-safetykg:empty"]
            return params
        if union and self.union == "param":
            return {"union-default-graph": ""}
        if self.union != "dataset" or has_dataset_clause(text):
            return params
        graphs = self._our_graphs()
        default = [self.default_graph.value] if self.default_graph else []
        params["named-graph-uri"] = graphs or ["urn:x-safetykg:empty"]
        params["default-graph-uri"] = (graphs + default if union else default) or [
            "urn:x-safetykg:empty"
        ]
        return params

    def _name(self, graph: GraphName) -> GraphName:
        """The graph as the server knows it: the default graph may be kept in a named one."""
        if isinstance(graph, DefaultGraph) and self.default_graph is not None:
            return self.default_graph
        return graph

    # ------------------------------------------------------------------ query

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Sequence[GraphName] | GraphName | None = None,
        named_graphs: Sequence[GraphName] | None = None,
        substitutions: Mapping[Variable | str, Any] | None = None,
        custom_functions: Any = None,
        custom_aggregate_functions: Any = None,
    ) -> QueryResult:
        """``Store.query`` over the SPARQL 1.1 Protocol (see the module docstring)."""
        if custom_functions or custom_aggregate_functions:
            raise ValueError("custom SPARQL functions cannot run on a remote SPARQL server")
        text = substitute(query, substitutions) if substitutions else query
        text = prologue(prefixes, base_iri) + text
        if self.kind.integer_booleans:
            text = boolean_binds(text)
        form = _query_form(text)
        params = self._dataset(text, use_default_graph_as_union, default_graph, named_graphs)
        accept = (
            _GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else _RESULT_TYPES[self.kind.results]
        )
        response = self._post(
            self.query_url, data={"query": text, **params}, headers={"Accept": accept}
        )
        self._check(response, "query", syntax=True)
        return self._results(response, form)

    def _results(self, response: httpx.Response, form: str) -> QueryResult:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        body = response.content
        if form in ("CONSTRUCT", "DESCRIBE"):
            graph_format = RdfFormat.from_media_type(media) or RdfFormat.N_TRIPLES
            triples = Store()  # in memory, only to hand back a real QueryTriples
            triples.load(body, graph_format)
            return triples.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # type: ignore[return-value]
        results_format = QueryResultsFormat.from_media_type(media) or self.kind.results
        if results_format == QueryResultsFormat.XML:
            body = _VIRTUOSO_BNODE.sub(b"<bnode>", body)
        return parse_query_results(body, results_format)

    def _select(self, text: str, *, dataset: dict[str, Any] | None = None) -> QuerySolutions:
        params = self._dataset(text, False, None, None) if dataset is None else dataset
        response = self._post(
            self.query_url,
            data={"query": text, **params},
            headers={"Accept": _RESULT_TYPES[self.kind.results]},
        )
        self._check(response, "query", syntax=True)
        result = self._results(response, "SELECT")
        assert isinstance(result, QuerySolutions | QueryBoolean)
        return result  # type: ignore[return-value]

    def _ask(self, text: str) -> bool:
        return bool(self._select(text, dataset={}))

    # ------------------------------------------------------------------ update

    def update(
        self,
        update: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
        custom_functions: Any = None,
        custom_aggregate_functions: Any = None,
    ) -> None:
        """``Store.update`` over the SPARQL 1.1 Protocol: one request, one transaction."""
        if custom_functions or custom_aggregate_functions:
            raise ValueError("custom SPARQL functions cannot run on a remote SPARQL server")
        self._writable()
        text = prologue(prefixes, base_iri) + update
        if self.default_graph is not None:
            text = default_graph_data(text, self.default_graph)
        if self.kind.integer_booleans:
            text = boolean_binds(text)
        parts = split_data_update(text, self.kind.max_data_triples)
        if parts is not None:
            for part in parts:
                self._send_update(part)
            return
        self._send_update(text)

    def _send_update(self, text: str) -> None:
        response = self._post(
            self.update_url,
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )
        self._wrote()
        self._check(response, "update", syntax=True)

    # ------------------------------------------------------------------ graphs

    def named_graphs(self) -> Iterator[NamedNode]:
        """The named graphs (only ours, under ``graphs``, when that prefix is set)."""
        return iter(self._list_graphs())

    def contains_named_graph(self, graph_name: GraphName) -> bool:
        if isinstance(graph_name, DefaultGraph):
            return True
        pattern = "{}" if self.kind.empty_graphs else "{ ?s ?p ?o }"
        return self._ask(f"ASK {{ GRAPH {sparql_term(graph_name)} {pattern} }}")

    def add_graph(self, graph_name: GraphName) -> None:
        if isinstance(graph_name, NamedNode):
            self.update(f"CREATE SILENT GRAPH {sparql_term(graph_name)}")

    def clear_graph(self, graph_name: GraphName) -> None:
        graph = self._name(graph_name)
        target = "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"
        self.update(f"CLEAR SILENT {target}")

    def remove_graph(self, graph_name: GraphName) -> None:
        """Drop a named graph; the default graph is only cleared (as embedded)."""
        graph = self._name(graph_name)
        if isinstance(graph_name, DefaultGraph):
            self.clear_graph(graph_name)
        else:
            self.update(f"DROP SILENT GRAPH {graph}")

    def clear(self) -> None:
        """Remove our graphs (never other graphs on a shared server)."""
        graphs = list(self._list_graphs())
        drops = [f"DROP SILENT GRAPH {g}" for g in graphs]
        if self.default_graph is not None:
            drops.append(f"DROP SILENT GRAPH {self.default_graph}")
        elif not self.graphs:
            drops.append("CLEAR SILENT DEFAULT")
        if drops:
            self.update(" ;\n".join(drops))

    # ------------------------------------------------------------------ quads

    def quads_for_pattern(
        self,
        subject: NamedNode | BlankNode | Triple | None,
        predicate: NamedNode | None,
        object: NamedNode | BlankNode | Literal | Triple | None,  # noqa: A002 - pyoxigraph's name
        graph_name: GraphName | None = None,
    ) -> Iterator[Quad]:
        """``Store.quads_for_pattern``; a whole named graph streams from the Graph Store."""
        terms = (subject, predicate, object)
        if any(isinstance(t, BlankNode) for t in terms):
            if not isinstance(graph_name, NamedNode):
                raise ValueError(
                    "a pattern with a blank node needs a named graph on a remote store"
                )
            return self._from_snapshot(subject, predicate, object, graph_name)
        if all(t is None for t in terms) and isinstance(graph_name, NamedNode) and self.gsp_url:
            return self._stream_graph(graph_name)
        return self._select_quads(subject, predicate, object, graph_name)

    def _select_quads(
        self,
        subject: Any,
        predicate: Any,
        obj: Any,
        graph_name: GraphName | None,
    ) -> Iterator[Quad]:
        bound = {
            name: term
            for name, term in (("s", subject), ("p", predicate), ("o", obj))
            if term is not None
        }
        if isinstance(graph_name, NamedNode):
            bound["g"] = graph_name
            where = "GRAPH ?g { ?s ?p ?o }"
        elif isinstance(graph_name, DefaultGraph):
            where = "?s ?p ?o"
        else:
            where = "{ GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o }"
        rows = self.query(f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}", substitutions=bound)
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            graph = row["g"]
            yield Quad(row["s"], row["p"], row["o"], graph if graph is not None else DefaultGraph())  # type: ignore[arg-type]

    def _fetch_graph(self, graph_name: NamedNode) -> httpx.Response:
        assert self.gsp_url is not None
        request = self._http.build_request(
            "GET",
            self.gsp_url,
            params={"graph": graph_name.value},
            headers={"Accept": "application/n-triples"},
        )
        try:
            response = self._http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise RemoteTimeout(f"{self.gsp_url} did not answer in time ({exc})") from exc
        except httpx.HTTPError as exc:
            raise RemoteUnavailable(f"cannot reach {self.gsp_url}: {exc}") from exc
        if response.status_code == 404:
            response.close()
            raise FileNotFoundError(graph_name.value)
        if not response.is_success:
            response.read()
            response.close()
            self._check(response, "graph download")
        return response

    def _stream_graph(self, graph_name: NamedNode) -> Iterator[Quad]:
        try:
            response = self._fetch_graph(graph_name)
        except FileNotFoundError:
            return
        try:
            media = response.headers.get("content-type", "").split(";")[0].strip().lower()
            graph_format = RdfFormat.from_media_type(media) or RdfFormat.N_TRIPLES
            reader = io.BufferedReader(_StreamReader(response.iter_bytes()), 1 << 16)
            for quad in parse(reader, graph_format):
                yield Quad(quad.subject, quad.predicate, quad.object, graph_name)
        finally:
            response.close()

    def _graph_quads(self, graph_name: NamedNode) -> list[Quad]:
        if self.gsp_url:
            return list(self._stream_graph(graph_name))
        return list(self._select_quads(None, None, None, graph_name))

    def _from_snapshot(
        self, subject: Any, predicate: Any, obj: Any, graph_name: NamedNode
    ) -> Iterator[Quad]:
        """Match a pattern with blank nodes in a copy of the graph.

        Blank node labels are stable between a server's query results and its
        Graph Store downloads on Oxigraph and Virtuoso (the only servers where
        this is supported); the copy is reused for a few seconds, so walking an
        RDF list costs one download.
        """
        with self._lock:
            cached = self._snapshots.get(graph_name.value)
        if cached is None or time.monotonic() - cached[0] > _SNAPSHOT_SECONDS:
            cached = (time.monotonic(), self._graph_quads(graph_name))
            with self._lock:
                self._snapshots[graph_name.value] = cached
        return iter(
            [
                q
                for q in cached[1]
                if (subject is None or q.subject == subject)
                and (predicate is None or q.predicate == predicate)
                and (obj is None or q.object == obj)
            ]
        )

    def __iter__(self) -> Iterator[Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def __contains__(self, quad: Quad) -> bool:
        graph = quad.graph_name
        triple = _triple_text(quad)
        if isinstance(graph, DefaultGraph):
            return self._ask(f"ASK {{ {triple} }}")
        return self._ask(f"ASK {{ GRAPH {sparql_term(graph)} {{ {triple} }} }}")

    def __len__(self) -> int:
        """The number of quads in our graphs and the default graph."""
        where = "GRAPH ?g { ?s ?p ?o }"
        if self.graphs:
            where += f" FILTER(STRSTARTS(STR(?g), {sparql_term(Literal(self.graphs))}))"
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {where} }} UNION {{ ?s ?p ?o }} }}"
        rows = self._select(text)
        return int(next(iter(rows))["n"].value)  # type: ignore[index, union-attr]

    # ------------------------------------------------------------------ writes

    def add(self, quad: Quad) -> None:
        self.extend([quad])

    def remove(self, quad: Quad) -> None:
        if any(isinstance(t, BlankNode) for t in (quad.subject, quad.object)):
            raise ValueError("a quad with a blank node cannot be removed from a remote store")
        self.update(f"DELETE DATA {{ {_data_block([quad])} }}")

    def extend(self, quads: Iterable[Quad]) -> None:
        """Add quads in one update (one transaction).

        ``INSERT DATA``, or ``INSERT { … } WHERE {}`` when there are blank nodes:
        both mean the same, but Virtuoso refuses blank nodes in ``INSERT DATA``.
        """
        quads = list(quads)
        if not quads:
            return
        block = _data_block(quads)
        if any(isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode) for q in quads):
            self.update(f"INSERT {{ {block} }} WHERE {{}}")
        else:
            self.update(f"INSERT DATA {{ {block} }}")

    def bulk_extend(self, quads: Iterable[Quad]) -> None:
        """Add many quads in batches (see :meth:`bulk_load`)."""
        self._writable()
        with _Uploader(self) as uploader:
            for quad in quads:
                uploader.add(quad)

    def load(
        self,
        input: bytes | str | IO[bytes] | IO[str] | None = None,  # noqa: A002
        format: RdfFormat | None = None,  # noqa: A002
        *,
        path: str | Path | None = None,
        base_iri: str | None = None,
        to_graph: GraphName | None = None,
        lenient: bool = False,
    ) -> None:
        """Parse here (a syntax error writes nothing), then write in one ``INSERT DATA``."""
        self._writable()
        quads = [
            _into(q, to_graph)
            for q in _parse(input, format, path=path, base_iri=base_iri, lenient=lenient)
        ]
        self.extend(quads)

    def bulk_load(
        self,
        input: bytes | str | IO[bytes] | IO[str] | None = None,  # noqa: A002
        format: RdfFormat | None = None,  # noqa: A002
        *,
        path: str | Path | None = None,
        base_iri: str | None = None,
        to_graph: GraphName | None = None,
        lenient: bool = False,
    ) -> None:
        """Stream the data to the server in batches of ``batch_size`` statements.

        An N-Triples or N-Quads file without blank nodes is cut by lines and
        sent as it is (the server parses it); anything else is parsed here and
        re-serialised by pyoxigraph. Not atomic as a whole (nor is the embedded
        ``bulk_load``); see the module docstring for each batch.
        """
        self._writable()
        if path is not None and format is None:
            format = RdfFormat.from_extension(Path(path).suffix.lstrip("."))  # noqa: A001
        if path is not None and self._send_lines(Path(path), format, to_graph):
            return
        with _Uploader(self) as uploader:
            for quad in _parse(input, format, path=path, base_iri=base_iri, lenient=lenient):
                uploader.add(_into(quad, to_graph))

    def _send_lines(self, path: Path, format: RdfFormat | None, to_graph: Any) -> bool:
        """Send a line-based file in slices of lines; False when it cannot be sent so."""
        if self.gsp_url is None:
            return False
        if (
            format == RdfFormat.N_QUADS
            and to_graph is None
            and self.kind.dataset_post
            and self.default_graph is None
        ):
            params: dict[str, str] = {}
            media = "application/n-quads"
        elif format == RdfFormat.N_TRIPLES and isinstance(to_graph, NamedNode | DefaultGraph):
            params = _graph_param(self._name(to_graph))
            media = "application/n-triples"
        else:
            return False
        if _has_blank_nodes(path):
            return False
        batch: list[bytes] = []
        with path.open("rb") as f:
            for line in f:
                batch.append(line)
                if len(batch) >= self.batch_size:
                    self._upload(b"".join(batch), media, params)
                    batch = []
        if batch:
            self._upload(b"".join(batch), media, params)
        return True

    def _upload(self, body: bytes, media: str, params: Mapping[str, str]) -> None:
        assert self.gsp_url is not None
        if not self.atomic_batches and self.kind.name == "oxigraph":
            params = {**params, "no_transaction": ""}
        response = self._post(
            self.gsp_url,
            params=params,
            content=body,
            headers={"Content-Type": f"{media}; charset=utf-8"},
        )
        self._wrote()
        if response.status_code == 400:
            raise SyntaxError(f"the SPARQL server refused the data: {response.text[:2000]}")
        self._check(response, "upload")

    def dump(
        self,
        output: IO[bytes] | str | Path | None = None,
        format: RdfFormat | None = None,  # noqa: A002
        *,
        from_graph: GraphName | None = None,
        prefixes: Mapping[str, str] | None = None,
        base_iri: str | None = None,
    ) -> bytes | None:
        """``Store.dump``: graphs fetched from the server, serialised by pyoxigraph."""
        if format is None:
            raise ValueError("dump() needs a format on a remote store")
        if from_graph is None:
            quads: Iterable[Any] = (q for g in self._list_graphs() for q in self._graph_quads(g))
        elif isinstance(from_graph, NamedNode):
            quads = (_triple(q) for q in self._graph_quads(from_graph))
        else:
            quads = (
                Triple(q.subject, q.predicate, q.object)
                for q in self._select_quads(None, None, None, DefaultGraph())
            )
        return serialize(  # type: ignore[no-any-return]
            quads,
            output if not isinstance(output, Path) else str(output),
            format,
            prefixes=dict(prefixes) if prefixes else None,
            base_iri=base_iri,
        )

    # ------------------------------------------------------------------ no-ops

    @property
    def loads_early(self) -> bool:
        """Whether a large first import may send its files while it still reads: a row
        refused later must be able to take them out again (``DELETE DATA``)."""
        return self.kind.deletes_uploads and not self.read_only

    def flush(self) -> None:
        """Nothing to do: the server owns its storage."""

    def optimize(self) -> None:
        """Nothing to do: the server owns its storage."""

    def backup(self, target_directory: str | Path) -> None:
        raise OSError(
            "a remote store is backed up with the server's own tools "
            "(Oxigraph: `oxigraph backup`; Virtuoso: `backup_online()`; Fuseki: /$/backup)"
        )


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


# --------------------------------------------------------------------------- reasoning


def materialise(store: RemoteStore | Store, *, incremental: bool = False) -> int:
    """Recompute ``graph/inferred`` on a server (see :func:`safetykg.reason.materialise`).

    The reasoner's rules are SPARQL ``INSERT … WHERE`` updates, so where the
    server evaluates them (Oxigraph, Fuseki) they run there, unchanged, one
    update request per round. Virtuoso cannot evaluate their closure paths
    with both ends free, so there the source graphs are copied into an
    in-memory pyoxigraph store, the same rules run here, and ``graph/inferred``
    is replaced on the server (not atomically: readers may see it empty for
    the length of the upload). Inferred triples about blank nodes are not
    uploaded in that case, since a blank node cannot be named across requests.
    An embedded ``Store`` is passed straight to the reasoner.
    """
    from safetykg.reason import materialise as materialise_here

    if not isinstance(store, RemoteStore) or store.kind.closure_paths:
        return materialise_here(store, incremental=incremental)  # type: ignore[arg-type]
    inferred = NamedNode(str(GRAPH["inferred"]))
    local = Store()
    for graph in store.named_graphs():
        if graph != inferred or incremental:
            local.extend(store.quads_for_pattern(None, None, None, graph))
    materialise_here(local, incremental=incremental)
    quads = [
        q
        for q in local.quads_for_pattern(None, None, None, inferred)
        if not isinstance(q.subject, BlankNode) and not isinstance(q.object, BlankNode)
    ]
    store.remove_graph(inferred)
    store.bulk_extend(quads)
    return len(quads)


# --------------------------------------------------------------------------- loading


def _parse(
    input: Any,  # noqa: A002
    format: RdfFormat | None,  # noqa: A002
    *,
    path: str | Path | None,
    base_iri: str | None,
    lenient: bool,
) -> Iterator[Quad]:
    if path is not None:
        return parse(path=str(path), format=format, base_iri=base_iri, lenient=lenient)
    if isinstance(input, str):
        input = input.encode("utf-8")  # noqa: A001
    return parse(input, format, base_iri=base_iri, lenient=lenient)


def _into(quad: Quad, to_graph: GraphName | None) -> Quad:
    if to_graph is None or not isinstance(quad.graph_name, DefaultGraph):
        return quad
    return Quad(quad.subject, quad.predicate, quad.object, to_graph)


def _graph_param(graph: Any) -> dict[str, str]:
    return {"graph": graph.value} if isinstance(graph, NamedNode) else {"default": ""}


def _has_blank_nodes(path: Path) -> bool:
    """True when ``_:`` occurs anywhere (a label or not: then the slow, safe path is taken)."""
    previous = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            if b"_:" in previous + chunk:
                return True
            previous = chunk[-1:]
    return False


def _triple(quad: Quad) -> Triple:
    return Triple(quad.subject, quad.predicate, quad.object)


def _triple_text(quad: Quad) -> str:
    parts = (quad.subject, quad.predicate, quad.object)
    return " ".join(sparql_term(t) for t in parts)  # type: ignore[arg-type]


def _data_block(quads: Sequence[Quad]) -> str:
    """The body of ``INSERT DATA``/``DELETE DATA``: triples grouped by graph."""
    graphs: dict[str, list[str]] = {}
    for q in quads:
        key = "" if isinstance(q.graph_name, DefaultGraph) else sparql_term(q.graph_name)  # type: ignore[arg-type]
        graphs.setdefault(key, []).append(_triple_text(q) + " .")
    parts = []
    for graph, triples in graphs.items():
        body = "\n".join(triples)
        parts.append(f"GRAPH {graph} {{\n{body}\n}}" if graph else body)
    return "\n".join(parts)


class _Uploader:
    """Collect quads and send them in batches; blank-node triples go last, together."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self.plain: dict[str, list[Quad]] = {}
        self.plain_count = 0
        self.blank: dict[str, list[Quad]] = {}

    def __enter__(self) -> _Uploader:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is None:
            self.finish()

    def add(self, quad: Quad) -> None:
        key = "" if isinstance(quad.graph_name, DefaultGraph) else quad.graph_name.value  # type: ignore[union-attr]
        if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
            self.blank.setdefault(key, []).append(quad)
            return
        self.plain.setdefault(key, []).append(quad)
        self.plain_count += 1
        if self.plain_count >= self.store.batch_size:
            self._send(self.plain)
            self.plain, self.plain_count = {}, 0

    def finish(self) -> None:
        self._send(self.plain)
        self.plain, self.plain_count = {}, 0
        for key, quads in self.blank.items():
            self._send({key: quads}, together=True)
        self.blank = {}

    def _send(self, by_graph: dict[str, list[Quad]], together: bool = False) -> None:
        store = self.store
        if not any(by_graph.values()):
            return
        if store.gsp_url is None:
            store.extend([q for quads in by_graph.values() for q in quads])
            return
        if store.kind.dataset_post:
            quads = [
                Quad(q.subject, q.predicate, q.object, store._name(q.graph_name))  # type: ignore[arg-type]
                for qs in by_graph.values()
                for q in qs
            ]
            body = serialize(quads, format=RdfFormat.N_QUADS)
            store._upload(body, "application/n-quads", {})
            return
        for key, quads in by_graph.items():
            triples = [Triple(q.subject, q.predicate, q.object) for q in quads]
            body = serialize(triples, format=RdfFormat.N_TRIPLES)
            graph = NamedNode(key) if key else store._name(DefaultGraph())
            store._upload(body, "application/n-triples", _graph_param(graph))
