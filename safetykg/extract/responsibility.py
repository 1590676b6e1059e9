"""Who answers for what: the lead table, departments, sectors and what tasks name.

The genre states sector leadership as a run of clauses ``市X局牵头负责A、B和C安全``
(joint leadership as ``市X局、市Y局等部门按照职责做好D安全``), usually after
``其中：`` in a 责任落实 or 职责分工 paragraph, and closes with a fallback for
sectors it does not list (``未列明的行业领域，按照"三管三必须"的要求…``). Tasks
name departments in full (``市委党校``) or by short forms in lists
(``公安、交通运输、商务等部门参与``), and sectors in lists (``A、B等行业领域``,
``开展A安全、B安全等专项治理``, ``A、B等高危行业``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from . import lexicon
from .text import clause_bounds, sentence_bounds

_LEVELS = {"市": "Municipal", "县": "County", "区": "District", "省": "Provincial"}
_ORG_SUFFIX = re.compile(r"(局|委|委员会|支队|大队|党校|办公室|会|办)$")
_VERBS = re.compile(r"^(?:持续加大|加大|开展|加强|推进|推动|深化|以|聚焦|围绕|提升|严格|强化|对|在|"
                    r"建设完善|完善|落实|督促|组织)")


@dataclass(frozen=True)
class Department:
    slug: str
    zh: str            # full name, e.g. 亳州市教育局
    en: str
    aliases: tuple[str, ...]
    known: bool


@dataclass(frozen=True)
class Sector:
    slug: str
    zh: str
    en: str
    aliases: tuple[str, ...]
    known: bool


@dataclass(frozen=True)
class LeadPair:
    sector: Sector
    departments: tuple[Department, ...]
    start: int          # the clause that states it (clean offsets)
    end: int


@dataclass(frozen=True)
class Mention:
    target: Department | Sector | lexicon.Concept
    role: str                           # named | lead | participant | high-risk
    start: int
    end: int


class Names:
    """Resolves the names a plan uses to departments and sectors of one jurisdiction."""

    def __init__(self, jurisdiction: str, place_zh: str, level: str) -> None:
        self.place_zh = place_zh          # 亳州市
        self.level = level                # 市
        self.place_en = jurisdiction.replace("-", " ").title()
        self._dept_names = self._department_pattern()

    def _department_pattern(self) -> re.Pattern[str]:
        names = {n for e in lexicon.departments() for n in (e.zh, *e.aliases)
                 if _ORG_SUFFIX.search(n)}
        alt = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
        prefix = f"(?:{re.escape(self.place_zh)}|{re.escape(self.level)})" if self.place_zh \
            else re.escape(self.level)
        return re.compile(f"{prefix}(?:{alt})")

    def department(self, written: str) -> Department:
        """A department from its full written name (``市城市管理局``) or a short form (``城管``)."""
        written = written.strip()
        for i in range(len(written)):
            entry = lexicon.find_department(written[i:])
            if entry and (i == 0 or written[:i] in (self.level, self.place_zh)):
                return self._from_entry(entry, written[i:])
        core = written.removeprefix(self.place_zh).removeprefix(self.level)
        return Department(lexicon.fallback_slug(core), self.place_zh + core, self.place_zh + core,
                          (written,), known=False)

    def is_known_department(self, written: str) -> bool:
        return self.department(written).known

    def _from_entry(self, e: lexicon.Entry, core: str) -> Department:
        """A known department, named as the plan writes it when it writes the full name."""
        level_en = _LEVELS.get(self.level, "")
        en = " ".join(x for x in (self.place_en, level_en, e.en) if x)
        zh = core if _ORG_SUFFIX.search(core) else e.zh
        aliases = dict.fromkeys((self.level + zh, zh, *(a for a in e.aliases if not a.isascii()),
                                 *(a for a in e.aliases if a.isascii())))
        return Department(e.slug, self.place_zh + zh, en, tuple(aliases), True)

    def departments_in(self, text: str) -> Iterator[re.Match[str]]:
        return self._dept_names.finditer(text)

    @staticmethod
    def sector(written: str) -> Sector:
        written = written.strip()
        entry = lexicon.find_sector(written)
        if entry:
            return Sector(entry.slug, entry.zh, entry.en, entry.aliases, True)
        zh = written.removesuffix("安全") or written
        return Sector(lexicon.fallback_slug(zh), zh, zh, (written,), False)


# -- the lead table ---------------------------------------------------------------------------

_LEAD_VERB = re.compile(r"(?:等部门|等单位)?(?:按照职责|按职责)?(?:牵头负责|牵头做好|负责|做好)")


def lead_table(text: str, names: Names) -> tuple[list[LeadPair], tuple[int, int] | None]:
    """The (sector, departments) pairs of the plan's responsibility paragraph, and its fallback.

    Returns the pairs in text order and the clean span of the fallback clause for unlisted
    sectors (``未列明的行业领域…``), if there is one.
    """
    best = max(re.finditer(r"[^\n]+", text), key=lambda m: m.group().count("牵头负责"),
               default=None)
    if best is None or best.group().count("牵头负责") < 3:
        return [], None
    line, offset = best.group(), best.start()
    start = line.find("其中：")
    start = start + 3 if start != -1 else 0
    pairs: list[LeadPair] = []
    for a, b in _items(line, start):
        item = line[a:b]
        verb = _LEAD_VERB.search(item)
        if not verb or not names.is_known_department(item[:verb.start()].split("、")[0]):
            continue
        depts = tuple(names.department(d) for d in item[:verb.start()].split("、"))
        for sector in _sector_list(item[verb.end():]):
            pairs.append(LeadPair(names.sector(sector), depts, offset + a, offset + b))
    fallback = None
    if m := re.search(r"未列明[^。]*。", line):
        fallback = (offset + m.start(), offset + m.end() - 1)
    return pairs, fallback


def _items(line: str, start: int) -> Iterator[tuple[int, int]]:
    """Clause boundaries (``，``/``；``/``。``) after ``start``, skipping parentheses."""
    a = start
    while a < len(line):
        _, b = clause_bounds(line, a, a, stops="，；。")
        if b > a:
            yield a, b
        a = b + 1


def _sector_list(phrase: str) -> list[str]:
    """``A、B和C等安全`` → [A, B, C]; ``体育场馆和设施`` stays whole when it is a known sector."""
    phrase = re.sub(r"(?:等)?(?:安全|行业领域|领域)?$", "", phrase.rstrip("。"))
    items = [x for x in phrase.split("、") if x]
    if items and "和" in items[-1] and not lexicon.find_sector(items[-1]):
        items[-1:] = items[-1].split("和")
    return items


# -- what a task names ------------------------------------------------------------------------

_SECTOR_LIST = re.compile(
    r"(?P<list>[^，；。：()]+?)等(?P<hr>高危)?(?:行业领域|行业|领域|企业|专项治理)")
_PARTICIPANTS = re.compile(r"(?P<list>[^，；。：()]+?)等部门(?:\(机构\))?(?:参与|配合|协同)")
_SECTOR_LEAD = re.compile(r"(?P<before>[^，；。：]{2,12}?)行业(?:管理|主管)部门牵头")
_TITLE_SECTOR = re.compile(r"^深化(?P<s>.+?)专项治理")


def task_mentions(text: str, start: int, end: int, title: str, names: Names) -> list[Mention]:
    """Departments, sectors, measures, channels and rules named in ``text[start:end]``."""
    body = text[start:end]
    out: list[Mention] = []

    def add(target: Department | Sector | str, role: str, a: int, b: int) -> None:
        s, e = sentence_bounds(text, start + a, start + b)
        out.append(Mention(target, role, s, e))

    for m in names.departments_in(body):
        add(names.department(m.group()), "named", m.start(), m.end())
    for m in _PARTICIPANTS.finditer(body):
        for short in _strip_verbs(m["list"]).split("、"):
            dept = names.department(short)
            if dept.known:
                add(dept, "participant", m.start(), m.end())
    for m in _SECTOR_LEAD.finditer(body):
        sector = _known_suffix(m["before"])
        if sector:
            add(names.sector(sector), "lead", m.start(), m.end())
    if m := _TITLE_SECTOR.match(title):
        if lexicon.find_sector(m["s"]):
            add(names.sector(m["s"]), "named", 0, len(title))
    for m in _SECTOR_LIST.finditer(body):
        items = [x for x in m["list"].split("、") if x]
        resolved = [_resolve_list_item(x, first=i == 0) for i, x in enumerate(items)]
        if sum(r is not None and lexicon.find_sector(r) is not None for r in resolved) * 2 < \
                len(items):
            continue  # not a list of sectors
        for r in resolved:
            if r:
                add(names.sector(r), "high-risk" if m["hr"] else "named", m.start(), m.end())
    for m in _written_out_names().finditer(body):
        add(names.sector(m.group()), "named", m.start(), m.end())
    out.extend(concept_mentions(text, start, end))
    return _first_of_each(out)


def concept_mentions(text: str, start: int, end: int) -> list[Mention]:
    """Escalation measures, discovery channels and rules named in ``text[start:end]``."""
    out = []
    for concept in lexicon.concepts():
        for m in concept.pattern.finditer(text, start, end):
            s, e = sentence_bounds(text, m.start(), m.end())
            out.append(Mention(concept, "named", s, e))
    return _first_of_each(out)


@cache
def _written_out_names() -> re.Pattern[str]:
    """Sector names written out with 安全 or 企业 (煤矿企业, 消防安全), longest first so
    that 水上交通安全 wins over 交通安全. Bare short names (电力, 消防) are left to lists."""
    names = {a for e in lexicon.sectors() for a in (e.zh, *e.aliases)
             if a.endswith(("安全", "企业")) and len(a) >= 4}
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


def _strip_verbs(item: str) -> str:
    return _VERBS.sub("", item)


def _known_suffix(phrase: str) -> str | None:
    for k in range(min(len(phrase), 10), 1, -1):
        if lexicon.find_sector(phrase[-k:]):
            return phrase[-k:]
    return None


def _resolve_list_item(item: str, first: bool) -> str | None:
    """A list item as a sector name: the item, or for the first item its known head or tail."""
    item = re.sub(r"安全$", "", item) if lexicon.find_sector(item) is None else item
    if lexicon.find_sector(item):
        return item
    stripped = _strip_verbs(item)
    if lexicon.find_sector(stripped):
        return stripped
    for k in range(min(len(stripped), 8), 1, -1):  # 危化品重大危险源 → 危化品
        if lexicon.find_sector(stripped[:k]):
            return stripped[:k]
    if first and (tail := _known_suffix(item)):
        return tail
    return stripped if len(stripped) <= 8 and not first else None


def _first_of_each(mentions: list[Mention]) -> list[Mention]:
    """One mention per (target, role): the first, in text order."""
    seen: dict[tuple[str, str], Mention] = {}
    for m in sorted(mentions, key=lambda m: (m.start, m.end)):
        key = (m.target.name if isinstance(m.target, lexicon.Concept) else m.target.slug, m.role)
        seen.setdefault(key, m)
    return list(seen.values())
