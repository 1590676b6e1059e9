"""From the parsed plan to RDF: the one place that knows how the vocabulary is used.

Every fact node (task, deadline, frequency, lead assignment, mention …) gets a
``sk:source`` span whose quote is the exact slice of the source file.
"""

from __future__ import annotations

import hashlib
from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ..namespaces import ORG, PROV, SK, mint
from .document import Outline, Part
from .responsibility import Department, LeadPair, Mention, Sector
from .temporal import DeadlineMatch, FrequencyMatch
from .text import SourceText

_ROLES = {"named": SK.RoleNamed, "lead": SK.RoleLead, "participant": SK.RoleParticipant,
          "high-risk": SK.RoleHighRisk}
_PERIOD_EN = {"P1M": "month", "P3M": "quarter", "P6M": "half-year", "P1Y": "year",
              "P1W": "week", "P10D": "ten days"}
_PERIOD_ZH = {"P1M": "每月", "P3M": "每季度", "P6M": "每半年", "P1Y": "每年", "P1W": "每周",
              "P10D": "每旬"}
_GENRE_TITLE = ("安全生产治本攻坚三年行动实施方案",
                "implementation plan of the three-year action to tackle the root causes of "
                "work-safety risks")


class PlanGraph:
    """Accumulates the triples of one plan; callers add parsed facts, then take ``graph``."""

    def __init__(self, st: SourceText, plan_id: str, jurisdiction: str, source_name: str) -> None:
        self.st = st
        self.plan_id = plan_id
        self.jurisdiction = jurisdiction
        self.graph = Graph()
        self.plan = mint("plan", plan_id)
        self.document = mint("source", plan_id)
        self._counters: dict[str, int] = {}
        g = self.graph
        for prefix, ns in (("sk", SK), ("org", ORG), ("skos", SKOS), ("dcterms", DCTERMS),
                           ("prov", PROV)):
            g.bind(prefix, ns)
        g.bind("id", URIRef(str(mint("x"))[:-1]))
        g.add((self.document, RDF.type, SK.SourceDocument))
        g.add((self.document, DCTERMS.identifier, Literal(source_name)))
        g.add((self.document, SK.sha256,
               Literal(hashlib.sha256(st.original.encode("utf-8")).hexdigest())))
        self.label(self.document, f"原文：{source_name}", f"Source text: {source_name}")

    # -- primitives -------------------------------------------------------------------------

    def label(self, node: URIRef, zh: str, en: str) -> None:
        self.graph.add((node, RDFS.label, Literal(zh, lang="zh")))
        self.graph.add((node, RDFS.label, Literal(en, lang="en")))

    def source(self, node: URIRef, start: int, end: int) -> None:
        """Attach the span of clean text ``start:end`` as ``sk:source`` of ``node``."""
        span = self.st.span(start, end)
        iri = mint("span", self.plan_id, f"{span.start}-{span.end}")
        g = self.graph
        g.add((node, SK.source, iri))
        if (iri, RDF.type, SK.SourceSpan) in g:
            return
        g.add((iri, RDF.type, SK.SourceSpan))
        g.add((iri, SK.quote, Literal(span.quote)))
        g.add((iri, SK.startOffset, Literal(span.start)))
        g.add((iri, SK.endOffset, Literal(span.end)))
        g.add((iri, SK.inDocument, self.document))
        self.label(iri, f"原文 {span.start}–{span.end}", f"Source text {span.start}–{span.end}")

    def _next(self, kind: str, owner: str) -> URIRef:
        key = f"{kind}/{owner}"
        self._counters[key] = self._counters.get(key, 0) + 1
        return mint(kind, self.plan_id, f"{owner}-{self._counters[key]}")

    # -- the document -----------------------------------------------------------------------

    def add_plan(self, outline: Outline, place_en: str, issuer: Department | None) -> None:
        g, plan, fm = self.graph, self.plan, outline.front
        g.add((plan, RDF.type, SK.Plan))
        title = fm.title or self.plan_id
        en = f"Plan {self.plan_id}"
        if _GENRE_TITLE[0] in title:
            years = title.split(_GENRE_TITLE[0], 1)[1].replace("—", "–").replace("年", "")
            en = f"{place_en} {_GENRE_TITLE[1]} {years}".strip()
            en = en[0].upper() + en[1:]
        self.label(plan, title, en)
        g.add((plan, DCTERMS.title, Literal(title, lang="zh")))
        if fm.title_span:
            self.source(plan, *fm.title_span)
        if issuer and fm.issuer_span:
            g.add((plan, SK.issuer, self.department(issuer)))
            self.source(plan, *fm.issuer_span)
        if fm.issued and fm.issued_span:
            g.add((plan, SK.issuedOn, Literal(fm.issued, datatype=XSD.date)))
            self.source(plan, *fm.issued_span)
        if fm.printed and fm.printed_span:
            g.add((plan, SK.printedOn, Literal(fm.printed, datatype=XSD.date)))
            self.source(plan, *fm.printed_span)
        if fm.copies and fm.copies_span:
            g.add((plan, SK.copies, Literal(fm.copies)))
            self.source(plan, *fm.copies_span)
        for name, start, end in fm.recipients:
            g.add((plan, SK.recipient, Literal(name, lang="zh")))
            self.source(plan, start, end)
        if outline.period:
            first, last, start, end = outline.period
        elif outline.phases:
            first, last = outline.phases[0].start_date, outline.phases[-1].end_date
            start, end = outline.phases_section.start, outline.phases_section.title_end
        else:
            return
        g.add((plan, SK.startDate, Literal(first, datatype=XSD.date)))
        g.add((plan, SK.endDate, Literal(last, datatype=XSD.date)))
        self.source(plan, start, end)

    def add_action(self, part: Part) -> URIRef:
        action = mint("action", self.plan_id, part.number)
        g = self.graph
        g.add((action, RDF.type, SK.Action))
        g.add((self.plan, SK.hasAction, action))
        g.add((action, SK.number, Literal(part.number)))
        self.label(action, part.title.rstrip("。"), f"Action {part.number}")
        self.source(action, part.title_start, part.title_end)
        return action

    def add_task(self, action: URIRef, part: Part, key: str) -> URIRef:
        task = mint("task", self.plan_id, key)
        g = self.graph
        g.add((task, RDF.type, SK.Task))
        g.add((action, SK.hasTask, task))
        g.add((task, SK.number, Literal(part.number)))
        self.label(task, part.title, f"Task {key}")
        g.add((task, SK.fullText, Literal(self.st.clean[part.start:part.end], lang="zh")))
        self.source(task, part.start, part.end)
        return task

    def add_goal(self, number: int, deadline: DeadlineMatch) -> URIRef:
        goal = mint("goal", self.plan_id, number)
        g = self.graph
        g.add((goal, RDF.type, SK.Goal))
        g.add((self.plan, SK.hasGoal, goal))
        g.add((goal, SK.number, Literal(number)))
        self.label(goal, deadline.clause, f"Goal {number} (due {deadline.due.isoformat()})")
        self.source(goal, deadline.start, deadline.end)
        self.add_deadline(goal, f"goal-{number}", deadline)
        return goal

    def add_phase(self, part: Part, start: date, end: date) -> URIRef:
        phase = mint("phase", self.plan_id, part.number)
        g = self.graph
        g.add((phase, RDF.type, SK.Phase))
        g.add((self.plan, SK.hasPhase, phase))
        g.add((phase, SK.number, Literal(part.number)))
        g.add((phase, SK.startDate, Literal(start, datatype=XSD.date)))
        g.add((phase, SK.endDate, Literal(end, datatype=XSD.date)))
        g.add((phase, SK.fullText, Literal(self.st.clean[part.start:part.end], lang="zh")))
        self.label(phase, part.title,
                   f"Phase {part.number} ({start.isoformat()} – {end.isoformat()})")
        self.source(phase, part.start, part.end)
        return phase

    # -- time -------------------------------------------------------------------------------

    def add_deadline(self, owner: URIRef, owner_key: str, d: DeadlineMatch) -> URIRef:
        node = self._next("deadline", owner_key)
        g = self.graph
        g.add((node, RDF.type, SK.Deadline))
        g.add((owner, SK.hasDeadline, node))
        g.add((node, SK.dueDate, Literal(d.due, datatype=XSD.date)))
        g.add((node, SK.dateInferred, Literal(d.inferred)))
        g.add((node, SK.expression, Literal(d.expression)))
        g.add((node, SK.clause, Literal(d.clause, lang="zh")))
        self.label(node, f"{d.expression}：{d.clause}",
                   f"Deadline {d.due.isoformat()} ({owner_key.replace('-', ' ')})")
        self.source(node, d.start, d.end)
        return node

    def add_frequencies(self, owner: URIRef, owner_key: str, found: list[FrequencyMatch]) -> None:
        g = self.graph
        nodes: list[URIRef] = []
        for f in found:
            node = self._next("frequency", owner_key)
            nodes.append(node)
            g.add((node, RDF.type, SK.FrequencyRequirement))
            g.add((owner, SK.hasFrequency, node))
            g.add((node, SK.period, Literal(f.period, datatype=XSD.duration)))
            g.add((node, SK.minCount, Literal(f.min_count)))
            g.add((node, SK.highRiskVariant, Literal(f.high_risk)))
            g.add((node, SK.expression, Literal(f.expression)))
            g.add((node, SK.clause, Literal(self.st.clean[f.start:f.end], lang="zh")))
            if f.parent is not None:
                g.add((node, SK.stricterVariantOf, nodes[f.parent]))
            who = owner_key.replace("-", " ")
            risk_zh, risk_en = ("（高危行业领域）", ", high-risk sectors") if f.high_risk \
                else ("", "")
            self.label(node, f"{_PERIOD_ZH[f.period]}至少{f.min_count}次{risk_zh}",
                       f"At least {f.min_count} per {_PERIOD_EN[f.period]} ({who}{risk_en})")
            self.source(node, f.start, f.end)

    # -- organisations ----------------------------------------------------------------------

    def department(self, d: Department) -> URIRef:
        iri = mint("department", self.jurisdiction, d.slug)
        g = self.graph
        if (iri, RDF.type, SK.Department) not in g:
            g.add((iri, RDF.type, SK.Department))
            self.label(iri, d.zh, d.en)
            g.add((iri, SK.jurisdiction, mint("region", self.jurisdiction)))
            for alias in d.aliases:
                g.add((iri, SKOS.altLabel, Literal(alias, lang="en" if alias.isascii() else "zh")))
            if not d.known:
                g.add((iri, SKOS.editorialNote, Literal(
                    "The lexicon has no English name for this department; the English label "
                    "repeats the Chinese.", lang="en")))
        return iri

    def sector(self, s: Sector) -> URIRef:
        iri = mint("sector", s.slug)
        g = self.graph
        if (iri, RDF.type, SK.Sector) not in g:
            g.add((iri, RDF.type, SK.Sector))
            g.add((iri, SKOS.inScheme, mint("scheme", "sectors")))
            self.label(iri, s.zh, s.en)
            for alias in s.aliases:
                g.add((iri, SKOS.altLabel, Literal(alias, lang="en" if alias.isascii() else "zh")))
            if not s.known:
                g.add((iri, SKOS.editorialNote, Literal(
                    "The lexicon has no English name for this sector; the English label "
                    "repeats the Chinese.", lang="en")))
        return iri

    def add_lead(self, pair: LeadPair) -> None:
        g = self.graph
        sector = self.sector(pair.sector)
        joint = len(pair.departments) > 1
        for d in pair.departments:
            dept = self.department(d)
            node = mint("lead", self.plan_id, f"{pair.sector.slug}--{d.slug}")
            g.add((sector, SK.leadDepartment, dept))
            g.add((sector, SK.qualifiedLead, node))
            g.add((node, RDF.type, SK.LeadAssignment))
            g.add((node, SK.assignedSector, sector))
            g.add((node, SK.assignedDepartment, dept))
            g.add((node, SK.jointLead, Literal(joint)))
            self.label(node, f"{d.zh}牵头负责{pair.sector.zh}",
                       f"{d.en} leads {pair.sector.en}" + (" (jointly)" if joint else ""))
            self.source(node, pair.start, pair.end)

    def add_rule(self, rule: str, start: int, end: int) -> None:
        node = mint("rule", self.plan_id, 1)
        g = self.graph
        g.add((node, RDF.type, SK.RuleStatement))
        g.add((self.plan, SK.statesRule, node))
        g.add((node, SK.rule, SK[rule]))
        self.label(node, "未列明行业领域按“三管三必须”确定责任",
                   "Sectors not listed follow the three-manages-three-musts rule")
        self.source(node, start, end)

    def add_mentions(self, owner: URIRef, owner_key: str, label_en: str, label_zh: str,
                     mentions: list[Mention]) -> None:
        g = self.graph
        for m in mentions:
            node = self._next("mention", owner_key)
            if isinstance(m.target, Department):
                target, name_zh, name_en = self.department(m.target), m.target.zh, m.target.en
                g.add((owner, SK.participatingDepartment if m.role == "participant"
                       else SK.mentionsDepartment, target))
            elif isinstance(m.target, Sector):
                target, name_zh, name_en = self.sector(m.target), m.target.zh, m.target.en
                g.add((owner, SK.concernsSector, target))
                if m.role == "high-risk":
                    g.add((target, RDF.type, SK.HighRiskSector))
            else:
                target, name_zh, name_en = SK[m.target.name], m.target.zh, m.target.en
                kind = SK.mentionsChannel if m.target.name.startswith("Channel") else \
                    SK.mentionsMeasure if m.target.name.startswith("Measure") else SK.mentionsRule
                g.add((owner, kind, target))
            g.add((node, RDF.type, SK.Mention))
            g.add((node, SK.mentionedIn, owner))
            g.add((node, SK.mentionOf, target))
            g.add((node, SK.mentionRole, _ROLES[m.role]))
            self.label(node, f"{label_zh}提及{name_zh}", f"{label_en} names {name_en} ({m.role})")
            self.source(node, m.start, m.end)


def to_turtle(graph: Graph) -> str:
    """Deterministic Turtle: the same graph always gives the same bytes."""
    assert not any(isinstance(t, BNode) for triple in graph for t in triple)
    return graph.serialize(format="turtle")
