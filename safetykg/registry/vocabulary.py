"""The registry's closed lists: statuses, discovery channels, escalation measures, the ladder.

These individuals are defined in the ontology (``sk:StatusReported`` …); this
module holds what the registry code needs about them without a store: the
IRI, the ``@zh``/``@en`` names, the words a data steward may write in a CSV
cell for them, the lifecycle order, and the escalation ladder with its
thresholds.

The escalation ladder (task 16: 对进展缓慢的及时采取函告、通报、约谈、曝光等措施) is
applied by how long a hazard has been overdue on the day asked about:

=============  ==========  =======================================
days overdue   step due    measure
=============  ==========  =======================================
1–30           1           函告 letter (``sk:MeasureLetter``)
31–60          2           通报 circular (``sk:MeasureCircular``)
61–90          3           约谈 interview (``sk:MeasureInterview``)
91 and more    4           曝光 exposure (``sk:MeasureExposure``)
=============  ==========  =======================================

The plan gives no numbers; one rung per month overdue is our reading,
chosen so that a hazard a quarter late has been through every step before
it is made public. "Days overdue" on day D is ``D - deadline`` (a hazard is
overdue from the day after its deadline, DESIGN.md).

>>> Status.parse("整改中"), Status.parse("closed"), Status.parse("sk:StatusRectified")
(<Status.RECTIFYING: 'rectifying'>, <Status.CLOSED: 'closed'>, <Status.RECTIFIED: 'rectified'>)
>>> Channel.parse("群众举报查实").iri
'https://w3id.org/safetykg/ontology#ChannelPublicReport'
>>> [step_due(n).zh if step_due(n) else None for n in (0, 1, 30, 31, 61, 91, 400)]
[None, '函告', '函告', '通报', '约谈', '曝光', '曝光']
"""

from __future__ import annotations

from enum import StrEnum

from safetykg.namespaces import SK

__all__ = ["LADDER", "LADDER_THRESHOLDS", "Channel", "Measure", "Status", "step_due"]

_SK = str(SK)


_NAMES: dict[type, dict[str, object]] = {}


def _key(text: str) -> str:
    return "".join(text.split()).lower().replace("_", "-")


class _Term(StrEnum):
    """A member whose value is the slug; subclasses fill ``_META``."""

    _META: dict[str, tuple[str, str, str, tuple[str, ...]]]  # slug -> (local, zh, en, aliases)

    @property
    def local(self) -> str:
        return type(self)._META[self.value][0]

    @property
    def iri(self) -> str:
        return _SK + self.local

    @property
    def zh(self) -> str:
        return type(self)._META[self.value][1]

    @property
    def en(self) -> str:
        return type(self)._META[self.value][2]

    @classmethod
    def parse(cls, text: str) -> _Term:
        """The member named by ``text``: slug, ``zh``/``en`` name, alias, ``sk:`` name or IRI.

        Raises :class:`ValueError` listing what is accepted.
        """
        names = _NAMES.get(cls)
        if names is None:
            names = {}
            for member in cls:
                local, zh, en, aliases = cls._META[member.value]
                keys = {member.value, local.lower(), "sk:" + local.lower(), (_SK + local).lower()}
                keys |= {_key(zh), _key(en), *(_key(a) for a in aliases)}
                names.update(dict.fromkeys(keys, member))
            _NAMES[cls] = names
        member = names.get(text) or names.get(_key(text))
        if member is None:
            accepted = ", ".join(f"{m.value} ({m.zh})" for m in cls)
            raise ValueError(f"unknown {cls.__name__.lower()} {text!r}; use one of {accepted}")
        return member  # type: ignore[return-value]

    @classmethod
    def from_iri(cls, iri: str) -> _Term:
        for member in cls:
            if member.iri == iri:
                return member
        raise ValueError(f"{iri} is not a {cls.__name__}")


class Status(_Term):
    """The four states of a hazard, in lifecycle order."""

    REPORTED = "reported"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    CLOSED = "closed"

    @property
    def order(self) -> int:
        return list(Status).index(self)

    @property
    def is_open(self) -> bool:
        return self is not Status.CLOSED


Status._META = {
    "reported": (
        "StatusReported",
        "已登记",
        "reported",
        ("已上报", "待整改", "未整改", "recorded"),
    ),
    "rectifying": ("StatusRectifying", "整改中", "rectifying", ("正在整改", "in progress")),
    "rectified": (
        "StatusRectified",
        "已整改待销号",
        "rectified",
        ("已整改", "待销号", "待审核", "awaiting review"),
    ),
    "closed": ("StatusClosed", "已销号", "closed", ("销号", "已核销", "已闭环", "signed off")),
}


class Channel(_Term):
    """The three channels of task 17."""

    SELF_REPORT = "self-report"
    INSPECTION = "inspection"
    PUBLIC_REPORT = "public-report"


Channel._META = {
    "self-report": (
        "ChannelSelfReport",
        "企业自查上报",
        "enterprise self-report",
        ("自查自报", "企业自查", "自查", "self report", "self-inspection report"),
    ),
    "inspection": (
        "ChannelInspection",
        "督导检查发现",
        "found by inspection",
        ("监督检查发现", "执法检查发现", "督导检查", "检查发现", "official inspection"),
    ),
    "public-report": (
        "ChannelPublicReport",
        "群众举报查实",
        "verified public report",
        ("举报查实", "社会举报", "群众举报", "whistle-blower report", "public report"),
    ),
}


class Measure(_Term):
    """The escalation measures of the ontology; the first four are the ladder."""

    LETTER = "letter"
    CIRCULAR = "circular"
    INTERVIEW = "interview"
    EXPOSURE = "exposure"
    LISTED_SUPERVISION = "listed-supervision"
    RED_YELLOW_CARD = "red-yellow-card"
    ACCOUNTABILITY = "accountability"

    @property
    def order(self) -> int | None:
        """The rung on the ladder (1–4), ``None`` off the ladder."""
        return LADDER.index(self) + 1 if self in LADDER else None


Measure._META = {
    "letter": ("MeasureLetter", "函告", "letter", ("发函", "书面函告")),
    "circular": ("MeasureCircular", "通报", "circular", ("通报批评", "notice")),
    "interview": ("MeasureInterview", "约谈", "interview", ("约谈负责人", "summons")),
    "exposure": ("MeasureExposure", "曝光", "exposure", ("公开曝光", "public exposure")),
    "listed-supervision": (
        "MeasureListedSupervision",
        "挂牌督办",
        "listed supervision",
        ("挂牌", "督办", "listing"),
    ),
    "red-yellow-card": (
        "MeasureRedYellowCard",
        "红黄牌警示",
        "red and yellow card warning",
        ("红黄牌", "red yellow card"),
    ),
    "accountability": ("MeasureAccountability", "问责", "accountability", ("责任追究",)),
}

LADDER: tuple[Measure, ...] = (
    Measure.LETTER,
    Measure.CIRCULAR,
    Measure.INTERVIEW,
    Measure.EXPOSURE,
)
"""The escalation ladder of task 16, mildest first."""

LADDER_THRESHOLDS: tuple[int, ...] = (1, 31, 61, 91)
"""Days overdue from which each rung of :data:`LADDER` is due."""


def step_due(days_overdue: int) -> Measure | None:
    """The rung due after ``days_overdue`` days past the deadline (``None`` if not overdue)."""
    due = None
    for measure, threshold in zip(LADDER, LADDER_THRESHOLDS, strict=True):
        if days_overdue >= threshold:
            due = measure
    return due
