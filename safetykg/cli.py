"""The ``safetykg`` command: one verb per job, each a thin call into the library.

::

    safetykg build   [--data-dir DIR] [--project-root DIR] [--no-extract]
    safetykg query   NAME|FILE.rq [--param k=v …] [--format table|csv|json|tsv|xml|turtle|ntriples]
                    [--data-dir DIR]        (safetykg query --list: the named queries)
    safetykg serve   [--data-dir DIR] [--host 127.0.0.1] [--port 8000] [--workers N]
    safetykg check   [--project-root DIR] [--no-hermit] [--no-shacl]
    safetykg extract SOURCE.txt --out FILE.ttl [--plan-id ID] [--jurisdiction SLUG]
    safetykg export  FORMAT --out FILE [--scope SCOPE] [--max-nodes N] [--data-dir DIR]
    safetykg analyse [--as-of YYYY-MM-DD] [--format table|json] [--data-dir DIR]
    safetykg ingest  FILE.csv|.json|.ttl [--data-dir DIR] [--max-bytes N] [--max-errors N]
    safetykg generate [--enterprises N] [--hazards M] [--seed S] --out FILE.csv

Defaults come from the environment (``SAFETYKG_DATA_DIR``, ``SAFETYKG_PROJECT_ROOT``
and the rest of :class:`safetykg.settings.Settings`), read once when the
command starts. Our own errors are printed as one line on stderr with exit
status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
)

from safetykg.errors import BadParameter, SafetyKGError
from safetykg.namespaces import PREFIXES, curie
from safetykg.queries import NamedQuery, QueryLibrary, default_library
from safetykg.settings import Settings
from safetykg.store import PlanEntry, read_plan_list

app = typer.Typer(
    name="safetykg",
    help="Build, check, query and serve the work-safety knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    xml = "xml"
    turtle = "turtle"
    ntriples = "ntriples"


_RESULT_FORMATS = {
    Format.csv: QueryResultsFormat.CSV,
    Format.tsv: QueryResultsFormat.TSV,
    Format.json: QueryResultsFormat.JSON,
    Format.xml: QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {
    Format.turtle: RdfFormat.TURTLE,
    Format.ntriples: RdfFormat.N_TRIPLES,
    Format.json: RdfFormat.JSON_LD,
    Format.xml: RdfFormat.RDF_XML,
}

DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Store location [default: $SAFETYKG_DATA_DIR or ./data]"),
]
RootOpt = Annotated[
    Path | None,
    typer.Option("--project-root", help="Checkout to read [default: $SAFETYKG_PROJECT_ROOT or .]"),
]


@app.callback()
def _main(ctx: typer.Context) -> None:
    """Build, check, query and serve the work-safety knowledge graph."""
    try:
        ctx.obj = Settings()
    except ValidationError as exc:
        typer.echo(f"error: bad SAFETYKG_* settings:\n{exc}", err=True)
        raise typer.Exit(2) from exc


@contextmanager
def _reported() -> Iterator[None]:
    """Print our own errors as one line and exit 1."""
    try:
        yield
    except SafetyKGError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


def _open(settings: Settings, data_dir: Path | None, *, read_only: bool = True) -> Any:
    """The store the settings name (SAFETYKG_STORE), or the embedded one under --data-dir."""
    from safetykg.store import connect

    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir, "store": None})
    return connect(settings, read_only=read_only)


# --------------------------------------------------------------------------- build


@app.command()
def build(
    ctx: typer.Context,
    data_dir: DataDirOpt = None,
    project_root: RootOpt = None,
    extract: Annotated[
        bool, typer.Option(help="Re-extract the plans (off: load the committed plan graphs)")
    ] = True,
    carry_over: Annotated[
        bool,
        typer.Option(help="Keep the hazard registry and audit trail of the current store"),
    ] = True,
) -> None:
    """Extract the plans, load every graph into a fresh store, reason, and swap it in.

    The hazard registry, its index and the audit trail are not derived from the
    text: they are copied from the current store (``--no-carry-over`` starts them empty).

    With SAFETYKG_STORE=http://… (and no --data-dir) the graphs are loaded into
    that SPARQL server instead, replacing ours there."""
    from safetykg.store import build as build_store
    from safetykg.store import connect

    settings: Settings = ctx.obj
    with _reported():
        remote = settings.remote_store and data_dir is None
        report = build_store(
            data_dir or settings.data_dir,
            project_root or settings.project_root,
            reextract=extract,
            carry_over=carry_over,
            remote=connect(settings, read_only=False) if remote else None,  # type: ignore[arg-type]
        )
    for path in report.plans_written:
        typer.echo(f"wrote {path}")
    for graph, size in report.graphs.items():
        typer.echo(f"{size:>9}  {graph}")
    for graph in report.carried:
        typer.echo(f"carried over from the previous store: {graph or '(default graph)'}")
    typer.echo(f"built {report.location or report.store_path} in {report.seconds:.1f} s")


# --------------------------------------------------------------------------- query


@app.command()
def query(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="NAME|FILE.rq",
            help="A named query of the library (see --list) or a SPARQL query file",
            show_default=False,
        ),
    ] = "",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            metavar="K=V",
            help="A parameter of the query, bound as an RDF term of its declared type "
            "(repeat for more; repeat a list parameter once per value)",
        ),
    ] = None,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the named queries and their parameters")
    ] = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format")] = Format.table,
    data_dir: DataDirOpt = None,
) -> None:
    """Run a named query of queries/ (or a SPARQL file) over the union of all named
    graphs and print the result.

    The usual prefixes (sk:, id:, org:, skos:, prov:, time:, dcterms:, rdf:,
    rdfs:, owl:, xsd:) are predeclared. Parameters are never pasted into the
    text: each --param value is checked against its declared type and bound.
    A file with a query header takes --param too.
    """
    from safetykg.store import query as run_query

    settings: Settings = ctx.obj
    with _reported():
        if list_queries:
            typer.echo(describe_library(default_library()), nl=False)
            return
        if not target:
            raise BadParameter("Name a query (safetykg query --list shows them) or a .rq file.")
        path = Path(target)
        text: str | None = None
        named: NamedQuery | None = None
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if param:
                named = QueryLibrary.from_texts({path.stem: text})[path.stem]
        else:
            named = default_library().get(target)
        store = _open(settings, data_dir)
        if named is None:
            assert text is not None
            result = run_query(store, text, prefixes=PREFIXES)
        else:
            result = named.run(store, param_values(param or [], named))
        typer.echo(render(result, format), nl=False)


def param_values(pairs: Sequence[str], named: NamedQuery) -> dict[str, str | list[str]]:
    """``--param k=v`` options as the query library's values (a list for a list parameter).

    >>> from safetykg.queries import QueryLibrary
    >>> q = QueryLibrary.from_texts({"q": "# title: q\\n# zh: 问？\\n# en: Ask?\\n"
    ...     "# param: ?by xsd:date (required)\\nSELECT ?by WHERE { }"})["q"]
    >>> param_values(["by=2024-12-31"], q)
    {'by': '2024-12-31'}
    >>> param_values(["by"], q)
    Traceback (most recent call last):
    ...
    safetykg.errors.BadParameter: --param takes k=v, got 'by'
    """
    lists = {p.name for p in named.params if p.is_list}
    values: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().removeprefix("?")
        if not sep or not key:
            raise BadParameter(f"--param takes k=v, got {pair!r}")
        if key in lists:
            listed = values.setdefault(key, [])
            assert isinstance(listed, list)
            listed.append(value)
        elif key in values:
            raise BadParameter(f"--param {key} is given twice; it takes one value")
        else:
            values[key] = value
    return values


def describe_library(library: Mapping[str, NamedQuery]) -> str:
    """The named queries as text: name, question, parameters."""
    lines: list[str] = []
    for name, named in library.items():
        lines.append(f"{name}\n    {named.zh}\n    {named.en}\n")
        for p in named.params:
            mode = (
                "required" if p.required else f"default: {p.default}" if p.default else "optional"
            )
            lines.append(
                f"    --param {p.name}=…  {p.type}{' list' if p.is_list else ''} ({mode})\n"
            )
    return "".join(lines)


def render(result: QuerySolutions | QueryBoolean | QueryTriples, format: Format) -> str:
    """Query results as text in ``format`` (``table`` is for people; the rest
    are the W3C formats, written by pyoxigraph).

    Raises :class:`BadParameter` for a format the result kind has no writer for.
    """
    if isinstance(result, QueryTriples):
        if format is Format.table:
            rows = [[t.subject, t.predicate, t.object] for t in result]
            return format_table(["subject", "predicate", "object"], rows)
        if format not in _GRAPH_FORMATS:
            raise BadParameter(f"CONSTRUCT/DESCRIBE results cannot be written as {format}.")
        return result.serialize(format=_GRAPH_FORMATS[format]).decode("utf-8")
    if isinstance(result, QueryBoolean):
        if format is Format.table:
            return "true\n" if bool(result) else "false\n"
    elif format is Format.table:
        names = [v.value for v in result.variables]
        return format_table(names, ([row[n] for n in names] for row in result))
    if format not in _RESULT_FORMATS:
        raise BadParameter(f"SELECT/ASK results cannot be written as {format}.")
    return result.serialize(format=_RESULT_FORMATS[format]).decode("utf-8")


def format_table(header: Sequence[str], rows: object) -> str:
    """An aligned text table; CJK characters count as two columns.

    >>> print(format_table(["dept", "n"], [[Literal("市教育局"), Literal(3)]]), end="")
    dept      n
    --------  -
    市教育局  3
    """
    cells = [[display(term) for term in row] for row in rows]  # type: ignore[attr-defined]
    widths = [_width(h) for h in header]
    for row in cells:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    lines = [header, ["-" * w for w in widths], *cells]
    return "".join(
        "  ".join(_pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        for line in lines
    )


def display(term: NamedNode | BlankNode | Literal | Triple | None) -> str:
    """How a term reads in a table: CURIEs for our IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return curie(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value.replace("\n", " ")
    return str(term)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# --------------------------------------------------------------------------- serve


@app.command()
def serve(
    ctx: typer.Context,
    data_dir: DataDirOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes; more than 1 needs SAFETYKG_STORE=http://… or writes off"
        ),
    ] = 1,
    access_log: Annotated[
        bool | None,
        typer.Option(help="Log each request [default: SAFETYKG_ACCESS_LOG, on]"),
    ] = None,
) -> None:
    """Serve the API (REST, SPARQL, pages) over the built store."""
    from safetykg.serving import run_server

    settings: Settings = ctx.obj
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir, "store": None})
    if access_log is not None:
        settings = settings.model_copy(update={"access_log": access_log})
    with _reported():
        run_server(settings, host, port, workers)


# --------------------------------------------------------------------------- check


@app.command()
def check(
    ctx: typer.Context,
    project_root: RootOpt = None,
    hermit: Annotated[bool, typer.Option(help="Run HermiT (needs Java)")] = True,
    shacl: Annotated[bool, typer.Option(help="Run SHACL validation")] = True,
) -> None:
    """Check ontology + data with HermiT (consistency) and SHACL; exit 1 on any failure."""
    from safetykg.check import check as run_check

    settings: Settings = ctx.obj
    with _reported():
        report = run_check(
            project_root or settings.project_root, run_hermit=hermit, run_shacl=shacl
        )
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- extract


@app.command()
def extract(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Plan text (UTF-8)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Turtle file to write")],
    plan_id: Annotated[
        str | None, typer.Option(help="[default: from plans.toml, else the file stem]")
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option(help="Region slug [default: from plans.toml, else the id prefix]")
    ] = None,
) -> None:
    """Extract one plan text into Turtle (what `build` does for each plan in plans.toml)."""
    settings: Settings = ctx.obj
    with _reported():
        entry = _plan_entry_for(source, settings.project_root)
        plan_id = plan_id or (entry.id if entry else source.stem)
        jurisdiction = jurisdiction or (entry.jurisdiction if entry else plan_id.split("-")[0])
        turtle = _extractor()(
            source.read_text(encoding="utf-8"), plan_id, jurisdiction, source.name
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(turtle, encoding="utf-8")
    typer.echo(f"wrote {out} (plan {plan_id}, jurisdiction {jurisdiction})")


def _plan_entry_for(source: Path, project_root: Path) -> PlanEntry | None:
    """The plans.toml entry whose source is this file, if any."""
    try:
        entries = read_plan_list(project_root)
    except SafetyKGError:
        return None
    graph_data = (project_root / "graph_data").resolve()
    return next((e for e in entries if (graph_data / e.source).resolve() == source.resolve()), None)


def _extractor() -> Callable[[str, str, str, str], str]:
    from safetykg.extract import plan_turtle

    return plan_turtle


# --------------------------------------------------------------------------- export


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        str,
        typer.Argument(
            help="graphml, gexf, cytoscape, node-link, dot, csv (a zip of nodes.csv and "
            "edges.csv), turtle, nt, jsonld or trig"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write")],
    scope: Annotated[
        str,
        typer.Option(
            help="plan[:ID], department:ID, sector:SLUG, node:IRI, action:N, "
            "responsibility[:PLAN], hazards:region|sector|department:ID[:overdue[:DATE]]"
        ),
    ] = "plan",
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Node cap for the hazard scopes")
    ] = 500,
    data_dir: DataDirOpt = None,
) -> None:
    """Export a scope of the graph for Gephi, yEd, Cytoscape, D3, Graphviz or RDF tools."""
    from safetykg.export import export as run_export

    settings: Settings = ctx.obj
    with _reported():
        store = _open(settings, data_dir)
        data, result = run_export(store, format, scope, max_nodes=max_nodes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    if result.note:
        typer.echo(f"note: {result.note}", err=True)
    graph = result.graph
    typer.echo(
        f"wrote {out} ({format}, scope {result.scope.text}: "
        f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)"
    )


# --------------------------------------------------------------------------- analyse


class AnalysisFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def analyse(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date for the hazard counts [default: today]")
    ] = None,
    format: Annotated[
        AnalysisFormat, typer.Option("--format", "-f", help="Output format")
    ] = AnalysisFormat.table,
    data_dir: DataDirOpt = None,
) -> None:
    """Each department's load and centrality, shared sectors, and sectors with no lead."""
    import json
    from datetime import date

    from safetykg.analysis import analyse as run_analysis

    settings: Settings = ctx.obj
    with _reported():
        try:
            when = date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise BadParameter(f"--as-of {as_of!r} is not a date (YYYY-MM-DD).") from exc
        store = _open(settings, data_dir)
        result = run_analysis(store, as_of=when)
    if format is AnalysisFormat.json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    net = result.network
    typer.echo(
        f"responsibility network: {net['departments']} departments, {net['sectors']} sectors, "
        f"{net['lead_edges']} lead edges; hazards as of {result.as_of.isoformat()}\n"
    )
    header = [
        "department",
        "sectors",
        "joint",
        "tasks",
        "hazards",
        "open",
        "overdue",
        "degree",
        "betweenness",
    ]
    rows = [
        [
            d.label_zh,
            str(d.sectors),
            str(d.joint_sectors),
            str(d.tasks),
            str(d.hazards),
            str(d.open_hazards),
            str(d.overdue_hazards),
            f"{d.degree_centrality:.3f}",
            f"{d.betweenness_centrality:.3f}",
        ]
        for d in result.departments
    ]
    typer.echo(format_table(header, rows))
    typer.echo("departments that share sectors:")
    for pair in result.shared_sectors or []:
        names = " + ".join(d.label_zh for d in pair.departments)
        typer.echo(f"  {names}: {', '.join(s.label_zh for s in pair.sectors)}")
    typer.echo("\nsectors with no lead department (三管三必须 applies):")
    for sector in result.unled_sectors:
        typer.echo(f"  {sector.label_zh} ({sector.label_en}), {sector.tasks} task(s)")


# --------------------------------------------------------------------------- tokens

token_app = typer.Typer(
    help="Write tokens: create (printed once), list (no secrets), revoke.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")

TokensFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--tokens-file",
        help="Token file [default: $SAFETYKG_TOKENS_FILE or <data-dir>/tokens.json]",
    ),
]


def _token_file(settings: Settings, data_dir: Path | None, tokens_file: Path | None) -> Path:
    from safetykg.tokens import default_path

    return tokens_file or settings.tokens_file or default_path(data_dir or settings.data_dir)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="A name for the holder, e.g. gas-office")],
    department: Annotated[
        str | None, typer.Option("--department", help="Scope: a department id, IRI or name")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Scope: a region id, IRI or name")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="No scope: may write anything")] = False,
    data_dir: DataDirOpt = None,
    tokens_file: TokensFileOpt = None,
) -> None:
    """Create a write token and print it (only this once; it is stored hashed)."""
    from safetykg.access import Kind
    from safetykg.tokens import TokenFile, resolve_scope

    settings: Settings = ctx.obj
    chosen = [k for k, v in ((Kind.DEPARTMENT, department), (Kind.REGION, region)) if v]
    if admin:
        chosen.append(Kind.ADMIN)
    if len(chosen) != 1:
        typer.echo("error: give exactly one of --department ID, --region ID, --admin", err=True)
        raise typer.Exit(2)
    kind = chosen[0]
    with _reported():
        store = None
        if kind is not Kind.ADMIN:
            try:
                store = _open(settings, data_dir)
            except SafetyKGError as exc:
                typer.echo(f"warning: the id is not checked against the store: {exc}", err=True)
        scope = resolve_scope(kind, department or region or "", store)
        tokens = TokenFile(_token_file(settings, data_dir, tokens_file))
        secret = tokens.create(name, kind, scope)
    typer.echo(secret)
    what = f"{kind} {scope}" if scope else str(kind)
    typer.echo(
        f"created token {name!r} ({what}) in {tokens.path}; it is shown only this once.",
        err=True,
    )


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
    data_dir: DataDirOpt = None,
    tokens_file: TokensFileOpt = None,
) -> None:
    """List the tokens: name, kind, scope, created, revoked (never a secret or hash)."""
    import json

    from safetykg.tokens import TokenFile

    settings: Settings = ctx.obj
    with _reported():
        records = TokenFile(_token_file(settings, data_dir, tokens_file)).list()
    if as_json:
        typer.echo(json.dumps([r.public() for r in records], ensure_ascii=False, indent=2))
        return
    header = ["name", "kind", "scope", "created", "revoked"]
    rows = [
        [r.name, str(r.kind), curie(r.scope or "-"), r.created, r.revoked or "-"] for r in records
    ]
    typer.echo(format_table(header, rows))


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The token's name (see `safetykg token list`)")],
    data_dir: DataDirOpt = None,
    tokens_file: TokensFileOpt = None,
) -> None:
    """Revoke a token; a running service refuses it from its next request on."""
    from safetykg.tokens import TokenFile

    settings: Settings = ctx.obj
    with _reported():
        record = TokenFile(_token_file(settings, data_dir, tokens_file)).revoke(name)
    typer.echo(f"revoked {record.name!r} at {record.revoked}")


# --------------------------------------------------------------------------- backups

if TYPE_CHECKING:
    from safetykg.backup import BackupReport


def _print_backup(verb: str, report: BackupReport) -> None:
    for graph, size in report.graphs.items():
        typer.echo(f"{size:>9}  {graph}")
    typer.echo(f"{verb} {report.quads} quads ({report.path}) in {report.seconds:.1f} s")
    if report.published:
        typer.echo(
            f"now current: {report.published}; restart a running service to serve it "
            "(it keeps the generation it opened)."
        )


@app.command()
def backup(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="A new directory for the backup")],
    data_dir: DataDirOpt = None,
) -> None:
    """Back up the current store (consistent while the service runs)."""
    from safetykg.backup import backup as run_backup

    settings: Settings = ctx.obj
    with _reported():
        report = run_backup(data_dir or settings.data_dir, target)
    _print_backup("backed up", report)


@app.command()
def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A directory made by `safetykg backup`")],
    data_dir: DataDirOpt = None,
) -> None:
    """Verify a backup and make it the current store."""
    from safetykg.backup import restore as run_restore

    settings: Settings = ctx.obj
    with _reported():
        report = run_restore(source, data_dir or settings.data_dir)
    _print_backup("restored", report)


@app.command()
def dump(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="The N-Quads file to write, e.g. all.nq")],
    data_dir: DataDirOpt = None,
) -> None:
    """Write every quad of the current store as N-Quads (consistent while the service runs)."""
    from safetykg.backup import dump as run_dump

    settings: Settings = ctx.obj
    with _reported():
        report = run_dump(data_dir or settings.data_dir, target)
    _print_backup("dumped", report)


@app.command()
def load(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="An N-Quads file, e.g. from `safetykg dump`")],
    data_dir: DataDirOpt = None,
) -> None:
    """Make a new store from an N-Quads file and make it the current store."""
    from safetykg.backup import load as run_load

    settings: Settings = ctx.obj
    with _reported():
        report = run_load(source, data_dir or settings.data_dir)
    _print_backup("loaded", report)


# --------------------------------------------------------------------------- registry


@app.command()
def ingest(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="Hazard records: .csv, .json or .ttl"),
    ],
    data_dir: DataDirOpt = None,
    format: Annotated[
        str | None, typer.Option("--format", help="csv, json or ttl [default: from the suffix]")
    ] = None,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes",
            envvar="SAFETYKG_INGEST_MAX_BYTES",
            help="Refuse files larger than this many bytes",
        ),
    ] = 1 << 30,
    max_errors: Annotated[int, typer.Option(help="Stop validating after this many errors")] = 50,
    shacl: Annotated[bool, typer.Option(help="Also check small batches against the shapes")] = True,
    optimize: Annotated[
        bool,
        typer.Option(help="Compact the store after a bulk write (leave it to the last of several)"),
    ] = True,
) -> None:
    """Validate hazard records and add them to the registry, all or nothing.

    Re-importing the same file changes nothing (records are upserted by id). On
    any error nothing is written and each error is printed with its row, column,
    value and reason in Chinese and English.
    """
    from safetykg.errors import ValidationFailed
    from safetykg.registry.ingest import ingest as run_ingest

    settings: Settings = ctx.obj
    shapes = Path(settings.project_root) / "ontology" / "shapes.ttl"
    with _reported():
        store = _open(settings, data_dir, read_only=False)
        try:
            report = run_ingest(
                store,
                file,
                format=format,
                max_bytes=max_bytes,
                max_errors=max_errors,
                shacl=shacl,
                shapes=shapes if shapes.is_file() else None,
                optimize=optimize,
            )
        except ValidationFailed as exc:
            for r in exc.results:
                where = ", ".join(
                    f"{k} {r[k]!r}" if k == "value" else f"{k} {r[k]}"
                    for k in ("row", "column", "value")
                    if r.get(k) is not None
                )
                typer.echo(f"{where}: {r['message']} / {r['message_zh']}", err=True)
            raise
        # Write the memtables out before the process ends: a large write-ahead log left
        # behind is replayed by every later read-only open (seconds per 100 MB).
        flush = getattr(store, "flush", None)
        if flush is not None:
            flush()
    typer.echo(
        f"{report.path}: {report.rows} rows ({report.format}, {report.encoding}); "
        f"hazards +{report.hazards_added} ~{report.hazards_updated} ={report.hazards_unchanged}, "
        f"enterprises +{report.enterprises_added} ~{report.enterprises_updated} "
        f"={report.enterprises_unchanged}, {report.status_changes} status changes; "
        f"{report.triples_added} triples written ({report.mode}), SHACL {report.shacl}; "
        f"{report.seconds:.1f} s"
        + (
            f" (compacting the store: {report.seconds_optimising:.1f} s)"
            if report.seconds_optimising
            else ""
        )
    )


@app.command()
def generate(
    enterprises: Annotated[int, typer.Option(help="How many enterprises")] = 300,
    hazards: Annotated[int, typer.Option(help="How many hazards")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file)")] = 0,
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write")] = Path("hazards.csv"),
    as_of: Annotated[
        str, typer.Option("--as-of", help="The day the data is as of (YYYY-MM-DD)")
    ] = "2026-11-30",
) -> None:
    """Write a synthetic hazard registry (CSV, every row marked synthetic) for demos,
    tests and benchmarks; `safetykg ingest` imports it."""
    import datetime as dt

    from safetykg.registry.generate import generate as run_generate

    with _reported():
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise BadParameter(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None
        if enterprises < 1 or hazards < 0:
            raise BadParameter("--enterprises must be at least 1 and --hazards at least 0")
        report = run_generate(out, enterprises=enterprises, hazards=hazards, seed=seed, as_of=day)
    typer.echo(
        f"wrote {report.path}: {report.enterprises} enterprises, {report.hazards} hazards "
        f"({report.closed} closed, {report.open} open, {report.overdue} overdue "
        f"on {report.as_of}), seed {report.seed}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
