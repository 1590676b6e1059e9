"""The outline of a plan: front matter, sections, actions, tasks, phases and goals.

The genre numbers its parts the same way everywhere: ``一、`` for sections,
``(一)`` for their subsections and ``1.`` for tasks, numbered straight through
or afresh in each action. Which section is which is decided by what it holds,
not by its title: the section whose subsections contain numbered tasks holds
the actions; the one whose subsections are dated ``阶段`` holds the phases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .temporal import cn_number, find_range, parse_date
from .text import SourceText

_SECTION = re.compile(r"^(?P<n>[一二三四五六七八九十]+)、(?P<title>[^\n]{1,30})$")
_SUBSECTION = re.compile(r"^\((?P<n>[一二三四五六七八九十]+)\)(?P<title>[^。\n]*)(?P<stop>。)?")
_TASK = re.compile(r"^(?P<n>\d{1,3})[.、](?!\d)")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


@dataclass
class Part:
    """A numbered part of the outline; offsets are into the clean text."""

    number: int
    start: int
    end: int
    title: str = ""
    title_start: int = 0
    title_end: int = 0
    children: list[Part] = field(default_factory=list)


@dataclass
class Phase:
    part: Part
    start_date: date
    end_date: date


@dataclass
class FrontMatter:
    title: str = ""
    title_span: tuple[int, int] | None = None
    issuer: str = ""
    issuer_span: tuple[int, int] | None = None
    issued: date | None = None
    issued_span: tuple[int, int] | None = None
    printer: str = ""
    printed: date | None = None
    printed_span: tuple[int, int] | None = None
    copies: int | None = None
    copies_span: tuple[int, int] | None = None
    recipients: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Outline:
    front: FrontMatter
    sections: list[Part]
    actions: list[Part]          # each with its tasks as children
    tasks_section: Part | None
    phases: list[Phase]
    phases_section: Part | None
    period: tuple[date, date, int, int] | None  # the plan's overall span, if stated


def parse_outline(st: SourceText) -> Outline:
    paragraphs = st.paragraphs()
    text = st.clean
    sections: list[Part] = []
    for p in paragraphs:
        if m := _SECTION.match(p.text):
            sections.append(Part(cn_number(m["n"]), p.start, len(text), m["title"],
                                 p.start + len(m["n"]) + 1, p.end))
    for before, after in zip(sections, sections[1:], strict=False):
        before.end = after.start
    for section in sections:
        _fill_section(section, [p for p in paragraphs if section.start < p.start < section.end])
        for part in _walk(section):
            part.end = len(text[:part.end].rstrip())

    tasks_section = next((s for s in sections if any(c.children for c in s.children)), None)
    actions = [c for c in tasks_section.children if c.children] if tasks_section else []
    phases_section, phases = _phases(sections, text)
    period = None
    if phases_section:
        preamble_end = phases_section.children[0].start if phases_section.children else \
            phases_section.end
        period = find_range(text[phases_section.title_end:preamble_end])
        if period:
            off = phases_section.title_end
            period = (period[0], period[1], period[2] + off, period[3] + off)
    first = sections[0].start if sections else len(text)
    return Outline(_front_matter(st, first), sections, actions, tasks_section, phases,
                   phases_section, period)


def _walk(part: Part):
    yield part
    for child in part.children:
        yield from _walk(child)


def _fill_section(section: Part, paragraphs: list) -> None:
    current_sub: Part | None = None
    current_task: Part | None = None
    for p in paragraphs:
        if m := _SUBSECTION.match(p.text):
            title_start = p.start + m.start("title")
            current_sub = Part(cn_number(m["n"]), p.start, section.end, m["title"],
                               title_start, title_start + len(m["title"]))
            if section.children:
                section.children[-1].end = p.start
            section.children.append(current_sub)
            current_task = None
            continue
        if (m := _TASK.match(p.text)) and current_sub is not None:
            current_task = Part(int(m["n"]), p.start, current_sub.end)
            _title_task(current_task, text_of=p.text)
            if current_sub.children:
                current_sub.children[-1].end = p.start
            current_sub.children.append(current_task)
    for sub in section.children:
        if sub.children:
            sub.children[-1].end = sub.end


def _title_task(task: Part, text_of: str) -> None:
    """A task's title: its first sentence when short, otherwise its first clause."""
    body_start = _TASK.match(text_of).end()
    body = text_of[body_start:]
    sentence = re.match(r"[^。；]*", body).group()
    title = sentence if len(sentence) <= 25 else re.match(r"[^，。；：]*", body).group()
    task.title = title
    task.title_start = task.start + body_start
    task.title_end = task.title_start + len(title)


def _phases(sections: list[Part], text: str) -> tuple[Part | None, list[Phase]]:
    for section in sections:
        phases = []
        for sub in section.children:
            heading = text[sub.title_start:sub.end].split("。")[0]
            rng = find_range(heading)
            if "阶段" in heading and rng:
                name_end = heading.index("阶段") + 2
                sub.title = heading[:name_end]
                sub.title_end = sub.title_start + name_end
                phases.append(Phase(sub, rng[0], rng[1]))
        if phases:
            return section, phases
    return None, []


def _front_matter(st: SourceText, body_start: int) -> FrontMatter:
    """Title, recipients, issuer and dates of the notice; the print line at the end."""
    fm = FrontMatter()
    text = st.clean
    paragraphs = st.paragraphs()
    head = [p for p in paragraphs if p.start < body_start]
    for p in head:
        if m := re.search(r"《(?P<t>[^》]+)》", p.text):
            fm.title = m["t"]
            fm.title_span = (p.start + m.start("t"), p.start + m.end("t"))
            break
    if not fm.title:
        for p in head:
            if "方案" in p.text and not re.search("[，。]", p.text):
                fm.title, fm.title_span = p.text, (p.start, p.end)
                break
    for p in head:
        if p.text.endswith("："):
            fm.recipients = _recipients(p.text[:-1], p.start)
            break
    for prev, p in zip(head, head[1:], strict=False):
        if _DATE_LINE.match(p.text) and not re.search("[，。]", prev.text):
            fm.issuer, fm.issuer_span = prev.text, (prev.start, prev.end)
            fm.issued, fm.issued_span = parse_date(p.text), (p.start, p.end)
            break
    tail = [p for p in paragraphs if p.start >= body_start]
    for prev, p in zip(tail, tail[1:], strict=False):
        if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日印发", p.text):
            fm.printer = prev.text
            fm.printed, fm.printed_span = parse_date(p.text), (prev.start, p.end)
    if m := re.search(r"共印(?P<n>\d+)份", text[body_start:]):
        fm.copies = int(m["n"])
        fm.copies_span = (body_start + m.start(), body_start + m.end())
    return fm


_ORG_END = re.compile(r"(会|局|委|府|单位|企业|部门|公司|支队|大队)$")


def _recipients(line: str, offset: int) -> list[tuple[str, int, int]]:
    """Split the addressee line on ``，``; split on ``、`` only between whole organisation names.

    ``各县、区人民政府`` is one addressee (the governments of counties and districts).
    """
    out = []
    pos = 0
    for group in line.split("，"):
        parts = group.split("、")
        if len(parts) > 1 and all(_ORG_END.search(x) for x in parts):
            p = pos
            for x in parts:
                out.append((x, offset + p, offset + p + len(x)))
                p += len(x) + 1
        else:
            out.append((group, offset + pos, offset + pos + len(group)))
        pos += len(group) + 1
    return out
