"""Tolerant, bilingual lookup: from what a person typed to the sector(s) or department(s) meant.

People write "燃气", "城镇燃气安全", "gas", "城管局", "谁管燃气？", "coal mine" or
"城管局负责哪些领域?". This module turns such text into ranked candidates with
a score, and answers with the responsibility profile of each (who leads, who
takes part, which tasks concern it, each with the plan's sentence).

It owns:

- the **alias index**, built once from the store: ``rdfs:label`` and
  ``skos:altLabel`` (zh and en) of every sector, department and region — the
  aliases in the graph come from the extractor's curated lexicon
  (``safetykg/extract/lexicon/*.tsv``) and from the text itself — plus
  variants: without the jurisdiction prefix (亳州市/市), without the 安全
  suffix, English without "Bozhou Municipal" and in the singular;
- **normalisation** (:func:`normalise`): NFKC (full-width to half-width),
  case folding, punctuation and spaces removed between Chinese characters;
- **question stripping** (:func:`strip_question`): 谁管, 哪个部门, 负责, 哪些领域,
  ?/？, "who leads", "which department is responsible for" …;
- **ranking**: an exact label beats an exact alias beats an alias contained
  in the question beats a question contained in a label; an answer is a
  ``match`` only when one candidate (with the departments that lead it, or
  the sectors it leads) clearly wins, otherwise ``ambiguous`` with every
  close candidate; nothing at all gives ``none`` with **suggestions** (edit
  distance and shared characters);
- **resolution** of ids, IRIs and labels for API parameters
  (:meth:`LookupIndex.resolve`), raising :class:`UnknownResource` (a
  :class:`NotFound` with suggestions) when nothing fits.

It reads the store only when the index is built (:meth:`LookupIndex.build`);
every lookup after that is answered from memory. The responsibility facts
themselves come from :class:`safetykg.resources.Snapshot`.

>>> normalise("  城管局负责哪些领域？ ")
'城管局负责哪些领域'
>>> normalise("Ｃｏａｌ  Mine")
'coal mine'
>>> strip_question("谁管燃气?")
'燃气'
>>> strip_question("Which department is responsible for coal mines?")
'coal mines'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from pyoxigraph import Store

from safetykg.errors import BadParameter, NotFound
from safetykg.labels import Labels, Language
from safetykg.namespaces import ID
from safetykg.resources import Profile, Ref, Snapshot, resource_iri, split_iri

__all__ = [
    "KINDS",
    "Candidate",
    "LookupAnswer",
    "LookupIndex",
    "Suggestion",
    "UnknownResource",
    "normalise",
    "similarity",
    "strip_question",
]

KINDS: tuple[str, ...] = ("sector", "department", "region")
"""The kinds of resource the index knows."""

Kind = Literal["sector", "department", "region"]
How = Literal["label", "alias", "contains", "partial"]

_ID = str(ID)

# --------------------------------------------------------------------------- errors


class UnknownResource(NotFound):
    """Raised when an id, IRI or label names nothing; carries ranked suggestions."""

    def __init__(self, detail: str, suggestions: list[Suggestion] | None = None) -> None:
        super().__init__(detail)
        self.suggestions = suggestions or []

    def extensions(self) -> dict[str, Any]:
        return {"suggestions": [s.model_dump() for s in self.suggestions]}


# --------------------------------------------------------------------------- shapes


class Suggestion(BaseModel):
    """A near miss: something the text may have meant."""

    iri: str
    id: str
    kind: str
    label: str
    label_zh: str | None = None
    label_en: str | None = None
    score: float = Field(ge=0, le=1)
    matched: str = Field(description="the label or alias the text resembles")


class Candidate(Suggestion):
    """A resource the text names, how it was found, and (for the top ones) the answer."""

    how: How = Field(
        description="label/alias: the text is one; contains: the text contains one; "
        "partial: the text is part of one"
    )
    answer: Profile | None = Field(
        None,
        discriminator="kind",
        description="who leads, who takes part, which tasks concern it (top candidates only)",
    )


class LookupAnswer(BaseModel):
    """The answer to ``GET /api/lookup?q=…``."""

    query: str
    normalised: str = Field(description="the text after normalisation and question stripping")
    lang: Language
    status: Literal["match", "ambiguous", "none"] = Field(
        description="match: one clear answer (best); ambiguous: ranked candidates, no guess; "
        "none: nothing found, see suggestions"
    )
    best: Candidate | None = Field(None, description="the answer when status is match")
    candidates: list[Candidate] = []
    suggestions: list[Suggestion] = []


# --------------------------------------------------------------------------- normalisation

_MAX_TEXT = 100
"""Only the first hundred characters of a question are searched."""
_WORD = re.compile(r"[a-z0-9]+")
_PUNCT = re.compile(
    r"[\s\"'`~!@#$%^&*()\[\]{}<>|\\/:;,.?_+=—–\-·、，。？！：；“”‘’（）《》【】「」…]+"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACE_NEAR_CJK = re.compile(r"(?<=[\u3400-\u9fff]) | (?=[\u3400-\u9fff])")


def normalise(text: str) -> str:
    """Fold width and case, drop punctuation, and drop spaces next to Chinese characters.

    >>> normalise("大跨度建(构)筑物")
    '大跨度建构筑物'
    >>> normalise("Farmers' markets")
    'farmers markets'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = _PUNCT.sub(" ", folded).strip()
    spaced = re.sub(r" {2,}", " ", spaced)
    return _SPACE_NEAR_CJK.sub("", spaced)


def _is_zh(text: str) -> bool:
    return bool(_CJK.search(text))


# Question phrases, longest first; removed from the text only (never from labels).
_ZH_QUESTION = sorted(
    [
        "请问",
        "由哪个部门",
        "由哪个单位",
        "由哪些部门",
        "由",
        "谁管",
        "谁来管",
        "谁负责",
        "谁牵头",
        "由谁负责",
        "由谁牵头",
        "由谁",
        "归谁管",
        "归哪个部门管",
        "哪个部门",
        "哪些部门",
        "什么部门",
        "哪个单位",
        "哪些单位",
        "哪家单位",
        "哪个局",
        "牵头部门是",
        "牵头部门",
        "负责部门",
        "主管部门",
        "负责哪些领域",
        "负责哪些行业",
        "负责什么领域",
        "负责哪些",
        "负责什么",
        "管哪些",
        "管什么",
        "牵头负责",
        "牵头",
        "负责",
        "主管",
        "哪些领域",
        "哪些行业",
        "行业领域",
        "领域",
        "是什么",
        "有哪些",
        "哪些",
        "什么",
        "是谁",
        "谁",
        "吗",
        "呢",
        "的",
        "是",
        "归",
    ],
    key=len,
    reverse=True,
)
_EN_QUESTION = frozenset(
    "who whom whose which what where is are was were the a an for of does do did leads lead "
    "led by responsible in charge department departments sector sectors area areas field "
    "fields please tell me about that takes take part supervises supervise oversees oversee "
    "on with handles handle".split()
)


def strip_question(text: str) -> str:
    """The text without question words and punctuation (normalised).

    >>> strip_question("城管局负责哪些领域?")
    '城管局'
    >>> strip_question("who leads urban gas")
    'urban gas'
    """
    norm = normalise(text)
    if _is_zh(norm):
        for phrase in _ZH_QUESTION:
            norm = norm.replace(phrase, " ")
        norm = re.sub(r" +", " ", norm)
        # Words kept apart by removed phrases stay apart only if they are English.
        return _SPACE_NEAR_CJK.sub("", norm).strip()
    words = [w for w in norm.split() if w not in _EN_QUESTION]
    return " ".join(words)


def _variants(key: str, prefixes: tuple[str, ...] = (), min_rest: int = 3) -> set[str]:
    """Other ways of writing ``key``: without a jurisdiction prefix or 安全, singular.

    ``min_rest`` is the shortest Chinese remainder kept after dropping 安全: names
    in the index keep three characters (交通安全 does not make 交通 an alias),
    questions keep two (燃气安全 asks about 燃气).
    """
    out = {key}
    if _is_zh(key):
        for prefix in prefixes:
            if key.startswith(prefix) and len(key) - len(prefix) >= 2:
                rest = key[len(prefix) :]
                out |= {rest, "市" + rest}
        if key.startswith("市") and len(key) >= 3 and not key.startswith("市场"):
            out.add(key[1:])
        for k in list(out):
            if k.endswith("安全") and len(k) - 2 >= min_rest:
                out.add(k[:-2])
    else:
        for prefix in ("bozhou municipal ", "bozhou "):
            if key.startswith(prefix) and len(key) > len(prefix) + 2:
                out.add(key[len(prefix) :])
        for k in list(out):
            words = k.split()
            if words and words[-1].endswith("s") and len(words[-1]) > 3:
                out.add(" ".join([*words[:-1], words[-1][:-1]]))
            if words and words[-1] == "safety" and len(words) > 1:
                out.add(" ".join(words[:-1]))
    return out


# --------------------------------------------------------------------------- similarity


def _levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(a: str, b: str) -> float:
    """How alike two normalised strings are, in [0, 1]: the better of edit distance
    and shared characters (Chinese words share characters when they share meaning).

    >>> round(similarity("燃汽", "燃气"), 2)
    0.5
    >>> round(similarity("gaz", "gas"), 2)
    0.67
    >>> similarity("", "gas")
    0.0
    """
    if not a or not b:
        return 0.0
    edit = 1 - _levenshtein(a, b) / max(len(a), len(b))
    sa, sb = set(a.replace(" ", "")), set(b.replace(" ", ""))
    shared = len(sa & sb) / len(sa | sb) if _is_zh(a) and _is_zh(b) else 0.0
    return max(edit, shared)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class _Key:
    iri: str
    kind: str
    weight: float
    """1.0 for a label, 0.9 for an alias; variants lose 5%."""
    how: How
    text: str
    """The label or alias as written in the graph."""


@dataclass
class _Hit:
    key: _Key
    score: float
    how: How


@dataclass
class LookupIndex:
    """The alias index and the responsibility snapshot it answers from.

    Build it once per open store (:meth:`build`), share it between requests
    (it is read-only after building), and build a new one after the store is
    rebuilt. Hazard writes do not change what it holds.
    """

    snapshot: Snapshot
    keys: dict[str, list[_Key]] = field(default_factory=dict)
    by_kind: dict[str, set[str]] = field(default_factory=dict)
    _grams: dict[str, set[str]] = field(default_factory=dict)
    """Chinese characters and character pairs -> keys containing them."""
    _prefixes: dict[str, set[str]] = field(default_factory=dict)
    """English word prefixes (3+ letters) -> keys with a word starting so."""
    _latin: set[str] = field(default_factory=set)
    _longest: int = 2

    @classmethod
    def build(cls, store: Store) -> LookupIndex:
        """Read the snapshot and index every label and alias (a few hundred ms)."""
        return cls.from_snapshot(Snapshot(store))

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> LookupIndex:
        index = cls(snapshot=snapshot)
        prefixes = _jurisdiction_prefixes(snapshot)
        for iri, entity in snapshot.entities.items():
            index.by_kind.setdefault(entity.kind, set()).add(iri)
            labelled = [(v, 1.0, "label") for v in (entity.labels.zh, entity.labels.en) if v]
            labelled += [(v, 0.9, "alias") for v, _ in entity.aliases]
            for text, weight, how in labelled:
                base = normalise(text)
                if not base:
                    continue
                for variant in _variants(base, prefixes):
                    w = weight if variant == base else weight * 0.95
                    index._add(variant, _Key(iri, entity.kind, w, how, text))  # type: ignore[arg-type]
            # The id itself ("urban-gas", "urban gas") is a name programs use.
            key = split_iri(iri)[1].rsplit("/", 1)[-1]
            for variant in {key, key.replace("-", " ")}:
                index._add(variant, _Key(iri, entity.kind, 0.85, "alias", key))
        for name in index.keys:
            if _is_zh(name):
                index._longest = max(index._longest, len(name))
                for i, char in enumerate(name):
                    index._grams.setdefault(char, set()).add(name)
                    index._grams.setdefault(name[i : i + 2], set()).add(name)
            else:
                index._latin.add(name)
                for word in name.split():
                    for end in range(3, len(word) + 1):
                        index._prefixes.setdefault(word[:end], set()).add(name)
        return index

    def _add(self, key: str, entry: _Key) -> None:
        entries = self.keys.setdefault(key, [])
        for i, old in enumerate(entries):
            if old.iri == entry.iri:
                if entry.weight > old.weight:
                    entries[i] = entry
                return
        entries.append(entry)

    # ----------------------------------------------------------------- search

    def search(self, text: str, kinds: tuple[str, ...] = KINDS) -> list[_Hit]:
        """Every resource of ``kinds`` the text may name, best first (one hit per IRI)."""
        raw = normalise(text)
        stripped = strip_question(text)
        best: dict[str, _Hit] = {}

        def offer(key: _Key, score: float, how: How) -> None:
            if key.kind not in kinds:
                return
            old = best.get(key.iri)
            if old is None or score > old.score:
                best[key.iri] = _Hit(key, round(min(score, 1.0), 3), how)

        forms = [(raw, 1.0)] + ([(stripped, 0.98)] if stripped and stripped != raw else [])
        for form, factor in forms:
            for variant in _variants(form, ("亳州市", "亳州"), min_rest=2):
                vf = factor if variant == form else factor * 0.95
                for key in self.keys.get(variant, ()):
                    offer(key, key.weight * vf, key.how)
        # Names contained in the text: "燃气安全检查", "who leads urban gas"
        for form, _ in forms:
            if not form:
                continue
            for name, _span in self._contained(form):
                coverage = len(name) / len(form)
                for key in self.keys[name]:
                    offer(key, key.weight * (0.5 + 0.4 * coverage), "contains")
        # The text is part of names: "危险化学", "hazardous"
        target = stripped or raw
        if len(target) >= (2 if _is_zh(target) else 3):
            for name in self._names_containing(target):
                if target != name:
                    ratio = len(target) / len(name)
                    for key in self.keys[name]:
                        offer(key, key.weight * (0.3 + 0.4 * ratio), "partial")
        return sorted(best.values(), key=lambda h: (-h.score, KINDS.index(h.key.kind), h.key.iri))

    def _contained(self, form: str) -> list[tuple[str, tuple[int, int]]]:
        """Index keys found inside ``form`` (Chinese substrings, English word runs),
        keeping only maximal ones."""
        found: list[tuple[str, tuple[int, int]]] = []
        form = form[:_MAX_TEXT]
        n = len(form)
        for i in range(n):
            for j in range(i + 2, min(n, i + self._longest) + 1):
                sub = form[i:j]
                if sub != form and sub in self.keys and _is_zh(sub):
                    found.append((sub, (i, j)))
        words = _WORD.findall(form)
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 6) + 1):
                sub = " ".join(words[i:j])
                if sub != form and len(sub) >= 3 and sub in self.keys:
                    found.append((sub, (_MAX_TEXT + i, _MAX_TEXT + j)))
        return [
            (name, span)
            for name, span in found
            if not any(other != name and o[0] <= span[0] and span[1] <= o[1] for other, o in found)
        ]

    def _names_containing(self, target: str) -> set[str]:
        """Index keys that contain ``target`` (Chinese anywhere; English at a word start)."""
        if _is_zh(target):
            pool = self._grams.get(target[:2], set()) if len(target) >= 2 else set()
            return {name for name in pool if target in name}
        words = target.split()
        if not words:
            return set()
        pool = self._prefixes.get(words[0], set())
        return {name for name in pool if f" {name}".find(f" {target}") >= 0}

    def suggest(
        self, text: str, kinds: tuple[str, ...] = KINDS, n: int = 5, lang: Language = "zh"
    ) -> list[Suggestion]:
        """Near misses for text that matched nothing, best first (edit distance and
        shared characters, over the keys that could be near at all)."""
        target = (strip_question(text) or normalise(text))[:_MAX_TEXT]
        if not target:
            return []
        if _is_zh(target):
            pool = set().union(*(self._grams.get(c, set()) for c in set(target)))
        else:
            slack = max(3, len(target) // 2)
            pool = {name for name in self._latin if abs(len(name) - len(target)) <= slack}
        scored: dict[str, tuple[float, _Key]] = {}
        for name in pool:
            score = similarity(target, name)
            if score < 0.34:
                continue
            for key in self.keys[name]:
                if key.kind in kinds:
                    s = score * (0.9 + 0.1 * key.weight)
                    if key.iri not in scored or s > scored[key.iri][0]:
                        scored[key.iri] = (s, key)
        ranked = sorted(scored.values(), key=lambda x: (-x[0], x[1].iri))[:n]
        return [self._suggestion(key, score, lang) for score, key in ranked]

    def _suggestion(self, key: _Key, score: float, lang: Language) -> Suggestion:
        labels = self.snapshot.entities[key.iri].labels
        return Suggestion(
            iri=key.iri,
            id=split_iri(key.iri)[1],
            kind=key.kind,
            label=labels.get(lang, key.iri),
            label_zh=labels.zh,
            label_en=labels.en,
            score=round(min(score, 1.0), 3),
            matched=key.text,
        )

    # ----------------------------------------------------------------- answers

    def answer(
        self, text: str, lang: Language, *, kinds: tuple[str, ...] = KINDS, limit: int = 5
    ) -> LookupAnswer:
        """Answer a lookup: ``match`` with the best candidate's profile, ``ambiguous``
        with every close candidate's profile, or ``none`` with suggestions.

        Raises :class:`BadParameter` naming ``q`` when the text has nothing to look for.
        """
        if not normalise(text):
            raise BadParameter("q: give a word to look up, e.g. 燃气, 城管局 or gas.")
        hits = self.search(text, kinds)
        profiles = self.snapshot.profiles(lang)
        status: Literal["match", "ambiguous", "none"]
        if not hits:
            status, close = "none", []
        else:
            close = [h for h in hits if hits[0].score - h.score < 0.1]
            status = "match" if self._one_answer(close) else "ambiguous"
        candidates = []
        for i, hit in enumerate(hits[: max(limit, len(close))]):
            s = self._suggestion(hit.key, hit.score, lang)
            answered = i < len(close) or i == 0
            candidates.append(
                Candidate(
                    **s.model_dump(),
                    how=hit.how,
                    answer=profiles.get(hit.key.iri) if answered else None,
                )
            )
        return LookupAnswer(
            query=text,
            normalised=strip_question(text) or normalise(text),
            lang=lang,
            status=status,
            best=candidates[0] if status == "match" else None,
            candidates=candidates,
            suggestions=self.suggest(text, kinds, lang=lang) if status == "none" else [],
        )

    def _one_answer(self, close: list[_Hit]) -> bool:
        """True when the close candidates are one thing: a single resource, or a sector
        and the departments that lead it (or a department and the sectors it leads)."""
        if len(close) == 1:
            return True
        top = close[0].key.iri
        related = self._related(top)
        return all(h.key.iri in related for h in close[1:])

    def _related(self, iri: str) -> set[str]:
        profile = self.snapshot.profiles("zh").get(iri)
        if profile is None:
            return set()
        if profile.kind == "sector":
            return {lead.department.iri for lead in profile.leads}
        if profile.kind == "department":
            return {lead.sector.iri for lead in profile.leads}
        return set()

    # ----------------------------------------------------------------- resolution

    def resolve(self, value: str, kind: Kind, *, parameter: str = "id") -> str:
        """The IRI of the ``kind`` that ``value`` names: a full IRI, an id (``urban-gas``,
        ``bozhou/urban-management`` or just ``urban-management``), or a zh/en label or
        alias. Raises :class:`UnknownResource` with suggestions when nothing fits,
        :class:`BadParameter` when an IRI names another kind.

        Labels resolve only when one resource of that kind clearly matches.
        """
        text = value.strip()
        known = self.by_kind.get(kind, set())
        if text.startswith(("http://", "https://")):
            iri = resource_iri(text, kind, parameter=parameter).value
            if iri in known:
                return iri
            raise UnknownResource(
                f"{parameter}: no {kind} {text} in the store.",
                self.suggest(split_iri(iri)[1].replace("-", " "), (kind,)),
            )
        for candidate in self._id_forms(text, kind):
            return candidate
        hits = [h for h in self.search(text, (kind,)) if h.how in ("label", "alias")]
        if hits and (len(hits) == 1 or hits[0].score - hits[1].score >= 0.05):
            return hits[0].key.iri
        suggestions = [self._suggestion(h.key, h.score, "zh") for h in hits[:5]]
        if not suggestions:
            suggestions = [
                self._suggestion(h.key, h.score, "zh") for h in self.search(text, (kind,))[:5]
            ] or self.suggest(text, (kind,))
        reason = "is ambiguous" if len(hits) > 1 else "names nothing"
        raise UnknownResource(
            f"{parameter}: {value!r} {reason} among the {kind}s; "
            f"give an id, an IRI or a label (see suggestions).",
            suggestions,
        )

    def _id_forms(self, text: str, kind: str) -> list[str]:
        """The IRI an id stands for, if any (a department id may leave out its
        jurisdiction when only one department has that slug)."""
        key = text.strip().strip("/")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~/-]*", key):
            return []
        known = self.by_kind.get(kind, set())
        iri = f"{_ID}{kind}/{key}"
        if iri in known:
            return [iri]
        if kind == "department" and "/" not in key:
            found = [i for i in known if i.endswith("/" + key)]
            if len(found) == 1:
                return found
        return []

    def matching(self, text: str, kind: str) -> set[str]:
        """IRIs of ``kind`` whose labels or aliases match ``text`` at all (list filters)."""
        if not normalise(text):
            return set()
        return {h.key.iri for h in self.search(text, (kind,))}

    def iris(self, kind: str) -> set[str]:
        """Every IRI of ``kind`` in the index."""
        return set(self.by_kind.get(kind, set()))

    def labels(self, iri: str) -> Labels:
        entity = self.snapshot.entities.get(iri)
        return entity.labels if entity else Labels()

    def ref(self, iri: str, lang: Language) -> Ref:
        """A :class:`Ref` for a resource in the index."""
        labels = self.labels(iri)
        kind, key = split_iri(iri)
        return Ref(
            iri=iri,
            id=key,
            kind=kind,
            label=labels.get(lang, iri),
            label_zh=labels.zh,
            label_en=labels.en,
        )


def _jurisdiction_prefixes(snapshot: Snapshot) -> tuple[str, ...]:
    """Chinese names of the regions departments belong to (亳州市, 亳州), longest first."""
    names: set[str] = set()
    for entity in snapshot.entities.values():
        if entity.kind == "region":
            for value in (entity.labels.zh, *(a for a, lang in entity.aliases if lang == "zh")):
                if value:
                    names.add(normalise(value))
    return tuple(sorted(names, key=len, reverse=True))
