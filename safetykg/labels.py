"""Labels for people: which language, which label, and the fallback when there is none.

This module is the one place that decides how a resource is named on screen,
in an API answer, a page or an export. The rule (DESIGN.md: every resource
has ``rdfs:label`` in ``@zh`` and ``@en``) is:

1. the label in the preferred language (``zh`` or ``en``; a tag such as
   ``zh-Hans`` or ``en-GB`` counts as its primary language);
2. else the label in the other language;
3. else any label at all (an untagged literal first);
4. else the IRI's local name (the part after the last ``#`` or ``/``).

It also owns the reading of the display language from a request:
``lang=`` wins over ``Accept-Language`` (q-values honoured), and the default
is Chinese, the language of the plan.

It deliberately does not query by itself in the functions that pick:
:func:`pick` and :class:`Labels` work on values already fetched, so they are
cheap and testable without a store. :func:`fetch_labels` is the one helper
that asks the store, for many IRIs in one query, with the IRIs bound as terms
in a ``VALUES`` block.

>>> labels = Labels.from_literals([("燃气", "zh"), ("Gas", "en")])
>>> labels.get("en"), labels.get("zh")
('Gas', '燃气')
>>> pick([("Gas", "en")], "zh")
'Gas'
>>> pick([], "zh", "https://w3id.org/safetykg/id/sector/urban-gas")
'urban-gas'
>>> choose_language(None, "en-US,en;q=0.9,zh;q=0.5")
'en'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from pyoxigraph import Literal, NamedNode, Store

from safetykg.store import query

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Language",
    "Labels",
    "choose_language",
    "fetch_labels",
    "labels_from_mapping",
    "language_of",
    "local_name",
    "other_language",
    "pick",
]

Language = TypingLiteral["zh", "en"]
"""The two display languages."""

LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"
"""The plan is written in Chinese; with no preference stated, answer in Chinese."""


def language_of(tag: str | None) -> Language | None:
    """The display language a language tag belongs to, or ``None``.

    >>> language_of("zh-Hans-CN"), language_of("EN_gb"), language_of("fr"), language_of(None)
    ('zh', 'en', None, None)
    """
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None  # type: ignore[return-value]


def other_language(lang: Language) -> Language:
    """The other of the two display languages.

    >>> other_language("zh")
    'en'
    """
    return "en" if lang == "zh" else "zh"


def local_name(iri: str) -> str:
    """The last segment of an IRI (after the last ``#`` or ``/``), the label of last resort.

    >>> local_name("https://w3id.org/safetykg/ontology#leadDepartment")
    'leadDepartment'
    >>> local_name("https://w3id.org/safetykg/id/task/bozhou-2024/17")
    '17'
    """
    stripped = iri.rstrip("/#")
    cut = max(stripped.rfind("#"), stripped.rfind("/"))
    return stripped[cut + 1 :] if cut >= 0 else stripped


def pick(
    literals: Iterable[tuple[str, str | None]], lang: Language = DEFAULT_LANGUAGE, iri: str = ""
) -> str:
    """Choose the label to show from ``(value, language tag)`` pairs.

    Preferred language, then the other one, then an untagged or other-language
    label, then :func:`local_name` of ``iri``. Among several labels in the same
    language the first given wins, so callers decide the order (e.g. by
    sorting) when it matters.

    >>> pick([("Gas", "en"), ("燃气", "zh")], "zh")
    '燃气'
    >>> pick([("gaz", "fr")], "en")
    'gaz'
    """
    return Labels.from_literals(literals).get(lang, iri)


@dataclass(frozen=True)
class Labels:
    """The zh and en label of one resource (either may be missing), plus any other label.

    The API shows both (``label_zh``/``label_en``) and a display ``label``
    chosen with :meth:`get`.
    """

    zh: str | None = None
    en: str | None = None
    other: str | None = None
    """An untagged label or one in a third language, used only when zh and en are missing."""

    @classmethod
    def from_literals(cls, literals: Iterable[tuple[str, str | None]]) -> Labels:
        """Collect ``(value, tag)`` pairs; the first label per language wins."""
        found: dict[str, str] = {}
        for value, tag in literals:
            key = language_of(tag) or "other"
            found.setdefault(key, value)
        return cls(zh=found.get("zh"), en=found.get("en"), other=found.get("other"))

    @classmethod
    def from_terms(cls, terms: Iterable[Literal]) -> Labels:
        """Collect pyoxigraph literals (as bound in query solutions)."""
        return cls.from_literals((t.value, t.language) for t in terms)

    def get(self, lang: Language = DEFAULT_LANGUAGE, iri: str = "") -> str:
        """The label to show in ``lang``, falling back as the module docstring says.

        >>> Labels(en="Gas").get("zh")
        'Gas'
        >>> Labels().get("en", "https://w3id.org/safetykg/id/region/guoyang")
        'guoyang'
        """
        preferred = self.zh if lang == "zh" else self.en
        fallback = self.en if lang == "zh" else self.zh
        return preferred or fallback or self.other or local_name(iri)

    def merge(self, other: Labels) -> Labels:
        """Fill this object's gaps from ``other`` (own values win)."""
        return Labels(
            zh=self.zh or other.zh, en=self.en or other.en, other=self.other or other.other
        )

    def as_dict(self) -> dict[str, str | None]:
        """``{"zh": …, "en": …}`` as the API carries them."""
        return {"zh": self.zh, "en": self.en}


def choose_language(lang: str | None = None, accept_language: str | None = None) -> Language:
    """The display language of a request: ``lang=`` first, then ``Accept-Language``.

    An explicit ``lang`` that is neither zh nor en is ignored (the caller may
    reject it as a bad parameter before calling this). ``Accept-Language`` is
    read with its q-values; ``*`` and languages we do not have are skipped;
    on a tie the header's order decides.

    >>> choose_language("en", "zh")
    'en'
    >>> choose_language(None, "fr, en;q=0.8, zh;q=0.9")
    'zh'
    >>> choose_language(None, None)
    'zh'
    >>> choose_language(None, "en;q=0, zh-TW;q=0.1")
    'zh'
    """
    chosen = language_of(lang)
    if chosen:
        return chosen
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, Language]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        found = language_of(tag)
        if found is None:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, position, found))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


_FETCH = """
SELECT ?s ?label WHERE {
  VALUES ?s { %s }
  ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label .
}
"""


def fetch_labels(store: Store, iris: Sequence[str | NamedNode]) -> dict[str, Labels]:
    """The :class:`Labels` of many resources in one query (IRIs with no label are absent).

    The IRIs are validated as :class:`pyoxigraph.NamedNode` and written into a
    ``VALUES`` block in N-Triples syntax (``str()`` of a checked term), so no
    text from outside is pasted into the query.

    >>> from pyoxigraph import Quad
    >>> s = Store()
    >>> a = NamedNode("http://ex/a")
    >>> label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    >>> s.add(Quad(a, label, Literal("甲", language="zh")))
    >>> fetch_labels(s, ["http://ex/a", "http://ex/b"])["http://ex/a"].get("en")
    '甲'
    """
    nodes = [i if isinstance(i, NamedNode) else NamedNode(i) for i in iris]
    if not nodes:
        return {}
    values = " ".join(str(n) for n in dict.fromkeys(nodes))
    collected: dict[str, list[tuple[str, str | None]]] = {}
    for row in query(store, _FETCH % values):
        term = row["label"]
        if isinstance(term, Literal):
            collected.setdefault(row["s"].value, []).append((term.value, term.language))
    return {iri: Labels.from_literals(sorted(pairs)) for iri, pairs in collected.items()}


def labels_from_mapping(values: Mapping[str, str | None]) -> Labels:
    """:class:`Labels` from a ``{"zh": …, "en": …}`` mapping (the API's own shape)."""
    return Labels(zh=values.get("zh"), en=values.get("en"))
