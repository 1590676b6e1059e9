"""Bind variables in SPARQL query text, for stores that cannot take ``substitutions``.

pyoxigraph binds a query's parameters with ``Store.query(…, substitutions=…)``
(RDF-dev SEP-0007): the variable keeps its name, is bound to the given term
wherever it is in scope, and is still a result variable. A SPARQL server over
HTTP offers no such option, so :class:`safetykg.remote.RemoteStore` rewrites
the text instead, with :func:`substitute`, and this module owns that rewrite.

**How.** A ``VALUES ?v { term }`` block is placed at the start of every group
graph pattern (``{ … }``) that mentions ``?v`` within the variable's scope, and
at the start of the query's own ``WHERE`` group. That is what "bound wherever it
is in scope" means in the algebra: a group's ``FILTER`` is evaluated on that
group alone, so a ``VALUES`` in the outer group would not reach
``{ ?x ?p ?o FILTER(?x = ?v) }`` nested inside; a ``VALUES`` at the end of the
query (``… } VALUES ?v {…}``) would be joined after the pattern was evaluated,
too late for any ``FILTER`` that reads ``?v``; a textual replacement of ``?v``
by the term would lose ``?v`` as a result variable and is not even syntax in
``GROUP BY ?v``, ``SELECT ?v`` or in a subject position for a literal.
Specifically:

* a subquery that does not project ``?v`` has its own ``?v`` and is left alone
  (as pyoxigraph does);
* ``BIND(expr AS ?v)`` becomes ``FILTER(COALESCE(sameTerm(?v, expr), true))``:
  pyoxigraph keeps a solution when the bound value is the substituted one or
  when ``expr`` fails, and drops it otherwise;
* ``MINUS`` and ``OPTIONAL`` groups that mention ``?v`` get their own ``VALUES``,
  so ``?v`` is shared with the left side exactly as when it is pre-bound;
* ``CONSTRUCT WHERE { P }`` is first spelled out as ``CONSTRUCT { P } WHERE { P }``;
  a ``DESCRIBE ?v`` without ``WHERE`` names the term itself;
* ``STR(?v)`` of a variable bound to a simple literal is written ``?v``, which
  is the same term. Virtuoso 7 needs this: its ``STR()`` of a constant
  non-ASCII simple literal no longer compares equal to the same text, so
  ``LCASE(STR(?name))`` with ``?name = "燃气"`` would match nothing there.

As in pyoxigraph, a ``SELECT`` must project every substituted variable
(``SELECT *`` does when the pattern mentions it); otherwise the query is
refused with the same :class:`RuntimeError`. Binding a substituted variable
with ``(expr AS ?v)`` in a projection is refused too (pyoxigraph treats it as
a filter after grouping, which has no plain-SPARQL spelling). Blank nodes
cannot be substituted: ``VALUES`` has no syntax for them.

``tests/scaleout/test_substitute.py`` checks the rewrite against pyoxigraph's
own ``substitutions`` on every named query in ``queries/`` and on a table of
scoping cases, both evaluated by the same embedded engine.

The lexer follows the SPARQL 1.1 terminals (strings in all four quotings,
IRIs, comments, variables, prefixed names), so braces, ``#`` or ``?v`` inside
a string, an IRI or a comment are never taken for syntax.

>>> from pyoxigraph import NamedNode
>>> print(substitute("SELECT ?d ?l { ?d rdfs:label ?l }", {"d": NamedNode("http://ex/d")}))
SELECT ?d ?l { VALUES ?d { <http://ex/d> } ?d rdfs:label ?l }
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Variable

__all__ = [
    "Token",
    "has_dataset_clause",
    "prologue",
    "sparql_term",
    "substitute",
    "tokenize",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_PN_EXTRA = r"\-\u00B7\u0300-\u036F\u203F\u2040"
_PN_CHARS = rf"[\w{_PN_EXTRA}]"
_PLX = rf"%{_HEX}{{2}}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[^\W\d_](?:[\w.{_PN_EXTRA}]*{_PN_CHARS})?"
_PN_LOCAL = (
    rf"(?:[\w:]|{_PLX})"
    rf"(?:(?:[\w.:{_PN_EXTRA}]|{_PLX})*(?:[\w:{_PN_EXTRA}]|{_PLX}))?"
)
_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>\s+)",
            r"(?P<comment>#[^\r\n]*)",
            rf"(?P<iri><(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)",
            r"(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''"
            r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
            r"|'(?:[^'\\\r\n]|\\.)*'"
            r'|"(?:[^"\\\r\n]|\\.)*")',
            r"(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)",
            rf"(?P<bnode>_:[\w](?:[\w.{_PN_EXTRA}]*{_PN_CHARS})?)",
            r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
            rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<word>[A-Za-z_]\w*)",
            r"(?P<other>[\s\S])",
        ]
    )
)


@dataclass(frozen=True)
class Token:
    """One lexical token: its kind, its text and where it starts in the query."""

    kind: str
    """``iri``, ``string``, ``var``, ``bnode``, ``langtag``, ``pname``, ``word``, ``other``."""
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    @property
    def var(self) -> str | None:
        """The variable's name without ``?``/``$``, for a variable token."""
        return self.text[1:] if self.kind == "var" else None


def tokenize(text: str) -> list[Token]:
    """The tokens of a SPARQL text, whitespace and comments left out.

    >>> [t.text for t in tokenize('SELECT * { ?s ?p "{?x}" } # {')]
    ['SELECT', '*', '{', '?s', '?p', '"{?x}"', '}']
    """
    out = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append(Token(kind, match.group(), match.start()))
    return out


def prologue(prefixes: Mapping[str, str] | None = None, base_iri: str | None = None) -> str:
    """``BASE``/``PREFIX`` declarations to put in front of a query or update.

    This is what pyoxigraph's ``prefixes=`` and ``base_iri=`` options mean; the
    IRIs are checked by :class:`pyoxigraph.NamedNode`, so nothing is pasted.

    >>> prologue({"sk": "https://w3id.org/safetykg/ontology#"})
    'PREFIX sk: <https://w3id.org/safetykg/ontology#>\\n'
    """
    lines = [f"BASE {NamedNode(base_iri)}"] if base_iri else []
    for name, iri in (prefixes or {}).items():
        if not re.fullmatch(rf"(?:{_PN_PREFIX})?", name):
            raise ValueError(f"not a SPARQL prefix name: {name!r}")
        lines.append(f"PREFIX {name}: {NamedNode(iri)}")
    return "".join(line + "\n" for line in lines)


def has_dataset_clause(query: str) -> bool:
    """True when the query names its own dataset with ``FROM`` / ``FROM NAMED``.

    >>> has_dataset_clause("SELECT * FROM <http://ex/g> { ?s ?p ?o }")
    True
    >>> has_dataset_clause('SELECT * { ?s ?p "FROM" }')
    False
    """
    return any(t.is_word("FROM") for t in tokenize(query))


# --------------------------------------------------------------------------- rewrite


@dataclass(eq=False)
class _Scope:
    active: frozenset[str]
    """Substituted variables that are the outer ones in this scope."""


@dataclass(eq=False)
class _Frame:
    kind: str
    """``group``, ``data`` (a VALUES block) or ``template`` (a CONSTRUCT template)."""
    open_index: int
    scope: _Scope
    where: bool = False
    """The WHERE group of the query or of a subquery: every active variable is bound here."""
    mentions: set[str] = field(default_factory=set)
    sealed: bool = False
    """A subquery's wrapper group after its WHERE: the rest is the subquery's modifiers."""


def sparql_term(term: NamedNode | BlankNode | Literal) -> str:
    """A term in SPARQL syntax, with every character a short string forbids escaped.

    ``str(Literal)`` leaves line breaks raw, which a ``"…"`` string in SPARQL
    may not contain; this is the form the rewrites and the remote store's
    updates use.

    >>> sparql_term(Literal("一\\n二", language="zh"))
    '"一\\\\n二"@zh'
    >>> sparql_term(NamedNode("http://ex/a"))
    '<http://ex/a>'
    """
    if isinstance(term, Literal):
        text = (
            term.value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype.value == _XSD_STRING:
            return f'"{text}"'
        return f'"{text}"^^<{term.datatype.value}>'
    return str(term)


def _term_text(name: str, term: Any) -> str:
    if isinstance(term, BlankNode):
        raise ValueError(
            f"?{name} cannot be bound to a blank node on a remote store (SPARQL VALUES "
            "has no syntax for blank nodes); bind an IRI or a literal."
        )
    if not isinstance(term, NamedNode | Literal):
        raise TypeError(f"?{name} must be bound to a pyoxigraph NamedNode or Literal: {term!r}")
    return sparql_term(term)


def _values(names: list[str], terms: Mapping[str, str]) -> str:
    if len(names) == 1:
        return f" VALUES ?{names[0]} {{ {terms[names[0]]} }}"
    heads = " ".join(f"?{n}" for n in names)
    row = " ".join(terms[n] for n in names)
    return f" VALUES ({heads}) {{ ({row}) }}"


def _matching(tokens: list[Token], i: int, open_: str, close: str) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].kind == "other" and tokens[j].text == open_:
            depth += 1
        elif tokens[j].kind == "other" and tokens[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    raise SyntaxError(f"unbalanced {open_!r} at offset {tokens[i].start}")


def _projection(tokens: list[Token], i: int) -> tuple[set[str] | None, set[str], int]:
    """Read the projection after the SELECT at ``i``: (vars or None for ``*``,
    vars bound with ``AS``, index of the first token after it)."""
    j = i + 1
    if j < len(tokens) and tokens[j].is_word("DISTINCT", "REDUCED"):
        j += 1
    if j < len(tokens) and tokens[j].text == "*":
        return None, set(), j + 1
    plain: set[str] = set()
    aliased: set[str] = set()
    depth = 0
    while j < len(tokens):
        t = tokens[j]
        if depth == 0 and (t.text == "{" or t.is_word("WHERE", "FROM")):
            break
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.kind == "var" and t.var is not None:
            if depth == 0:
                plain.add(t.var)
            elif j > 0 and tokens[j - 1].is_word("AS"):
                aliased.add(t.var)
        j += 1
    return plain | aliased, aliased, j


def _expand_construct_where(text: str, tokens: list[Token]) -> str:
    """``CONSTRUCT WHERE { P } …`` → ``CONSTRUCT { P } WHERE { P } …``."""
    for i, t in enumerate(tokens[:-2]):
        if t.is_word("CONSTRUCT") and tokens[i + 1].is_word("WHERE"):
            close = _matching(tokens, i + 2, "{", "}")
            group = text[tokens[i + 2].start : tokens[close].end]
            return text[: t.end] + " " + group + " " + text[tokens[i + 1].start :]
        if t.is_word("CONSTRUCT"):
            break
    return text


def substitute(query: str, substitutions: Mapping[str | Variable, Any]) -> str:
    """Rewrite ``query`` so that it means what ``Store.query(query, substitutions=…)`` means.

    Keys are variable names (``"dept"``, ``"?dept"``) or :class:`pyoxigraph.Variable`;
    values are pyoxigraph :class:`NamedNode` or :class:`Literal` terms, whose
    ``str()`` is their SPARQL syntax (so nothing from outside is pasted).

    Raises :class:`RuntimeError` when a ``SELECT`` does not project a
    substituted variable (as pyoxigraph does), :class:`ValueError` for a
    blank node or a projection ``AS`` on a substituted variable, and
    :class:`SyntaxError` for unbalanced braces.

    >>> from pyoxigraph import Literal, NamedNode
    >>> xsd_date = NamedNode("http://www.w3.org/2001/XMLSchema#date")
    >>> print(substitute(
    ...     "SELECT ?by ?t WHERE { ?t :due ?d { ?d :x ?y FILTER(?y <= ?by) } }",
    ...     {"by": Literal("2025-01-01", datatype=xsd_date)}))
    ... # doctest: +NORMALIZE_WHITESPACE
    SELECT ?by ?t WHERE {
      VALUES ?by { "2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date> } ?t :due ?d {
      VALUES ?by { "2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date> }
      ?d :x ?y FILTER(?y <= ?by) } }
    """
    terms = {
        (k.value if isinstance(k, Variable) else k.removeprefix("?").removeprefix("$")): v
        for k, v in substitutions.items()
    }
    if not terms:
        return query
    texts = {name: _term_text(name, term) for name, term in terms.items()}
    tokens = tokenize(query)
    expanded = _expand_construct_where(query, tokens)
    if expanded is not query:
        query, tokens = expanded, tokenize(expanded)

    top = _Scope(frozenset(terms))
    inserts: dict[int, str] = {}  # token index -> text inserted after it
    replace: dict[int, str] = {}  # token index -> replacement text
    stack: list[_Frame] = []
    scope_for_next_group: tuple[_Scope, bool] | None = (top, True)
    pending_data = False
    form: str | None = None
    describe_vars: list[int] = []

    def current_scope() -> _Scope:
        return stack[-1].scope if stack else top

    i = 0
    while i < len(tokens):
        t = tokens[i]
        if form is None and t.is_word("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
            form = t.text.upper()
        if t.is_word("SELECT"):
            projected, aliased, after = _projection(tokens, i)
            scope = current_scope()
            if stack:  # a subquery
                outer = set(scope.active)
                inner = outer if projected is None else outer & projected
                scope_for_next_group = (_Scope(frozenset(inner)), True)
                for name in sorted(inner & (projected or set())):
                    stack[-1].mentions.add(name)
            else:
                _check_projection(query, tokens, projected, aliased, set(scope.active), after)
            for name in sorted(aliased & scope.active):
                raise ValueError(
                    f"?{name} is substituted but the SELECT binds it with AS; "
                    "a remote store cannot evaluate that"
                )
            i = after
            continue
        if t.is_word("VALUES"):
            pending_data = True
        elif t.is_word("BIND") and stack and stack[-1].kind == "group":
            _rewrite_bind(tokens, i, stack[-1].scope, replace)
        elif t.is_word("STR") and i + 3 < len(tokens) and tokens[i + 3].text == ")":
            name = tokens[i + 2].var
            if (
                tokens[i + 1].text == "("
                and name in current_scope().active
                and _is_simple(terms[name])
            ):
                replace[i] = replace[i + 1] = replace[i + 3] = ""
        elif t.kind == "other" and t.text == "{":
            scope = current_scope()
            if pending_data:
                stack.append(_Frame("data", i, scope))
                pending_data = False
            elif i > 0 and tokens[i - 1].is_word("CONSTRUCT"):
                stack.append(_Frame("template", i, scope))
            elif scope_for_next_group is not None:
                new_scope, where = scope_for_next_group
                stack.append(_Frame("group", i, new_scope, where=where))
                scope_for_next_group = None
            else:
                stack.append(_Frame("group", i, scope))
        elif t.kind == "other" and t.text == "}":
            if not stack:
                raise SyntaxError(f"unbalanced '}}' at offset {t.start}")
            frame = stack.pop()
            if frame.kind == "group":
                names = set(frame.mentions)
                if frame.where:
                    names |= set(frame.scope.active)
                names &= set(frame.scope.active)
                first = tokens[frame.open_index + 1] if frame.open_index + 1 < len(tokens) else t
                if names and not first.is_word("SELECT"):
                    inserts[frame.open_index] = _values(sorted(names), texts)
                if frame.where and stack:  # a subquery's WHERE: its modifiers follow
                    stack[-1].sealed = True
                elif stack and stack[-1].scope is frame.scope and stack[-1].kind == "group":
                    stack[-1].mentions |= frame.mentions
        elif t.kind == "var" and t.var is not None:
            if stack and stack[-1].kind == "group" and not stack[-1].sealed:
                stack[-1].mentions.add(t.var)
            elif not stack and form == "DESCRIBE" and t.var in texts:
                describe_vars.append(i)
        i += 1
    if stack:
        raise SyntaxError("unbalanced '{' in the query")

    if not inserts and describe_vars:
        for index in describe_vars:
            replace[index] = texts[tokens[index].var or ""]

    out: list[str] = []
    last = 0
    for index, token in enumerate(tokens):
        if index in replace:
            out.append(query[last : token.start])
            out.append(replace[index])
            last = token.end
        if index in inserts:
            out.append(query[last : token.end])
            out.append(inserts[index])
            last = token.end
    out.append(query[last:])
    return "".join(out)


def _is_simple(term: Any) -> bool:
    return isinstance(term, Literal) and not term.language and term.datatype.value == _XSD_STRING


def _check_projection(
    query: str,
    tokens: list[Token],
    projected: set[str] | None,
    aliased: set[str],
    active: set[str],
    after: int,
) -> None:
    if projected is None:  # SELECT *: the variables the pattern mentions
        mentioned = {t.var for t in tokens[after:] if t.var}
        missing = sorted(active - mentioned)
    else:
        missing = sorted(active - projected)
    if missing:
        raise RuntimeError(
            f"The SPARQL query does not contains variable ?{missing[0]} in its SELECT projection"
        )


def _rewrite_bind(tokens: list[Token], i: int, scope: _Scope, replace: dict[int, str]) -> None:
    """``BIND(expr AS ?v)``, ``?v`` substituted → ``FILTER(COALESCE(sameTerm(?v, expr), true))``."""
    if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
        return
    close = _matching(tokens, i + 1, "(", ")")
    var, as_ = tokens[close - 1], tokens[close - 2]
    if var.var is None or not as_.is_word("AS") or var.var not in scope.active:
        return
    replace[i] = "FILTER"
    replace[i + 1] = f"(COALESCE(sameTerm(?{var.var}, "
    replace[close - 2] = "), true"
    replace[close - 1] = ")"
