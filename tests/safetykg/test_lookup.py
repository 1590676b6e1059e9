"""safetykg/lookup.py: the tolerant, bilingual lookup, over the store built from the repository.

Every expected answer below was checked by hand against the plan text (四(二) for the
lead table, task 8 for who takes part in gas safety, task 13 for the sixteen sectors,
the sentence 未列明的行业领域，按照"三管三必须"的要求… for the fallback); the tests
also check that every quote the answer cites is the source text at its offsets.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Store

from safetykg.errors import BadParameter
from safetykg.lookup import LookupIndex, UnknownResource, normalise, similarity, strip_question
from safetykg.resources import DepartmentProfile, SectorProfile
from tests.helpers.project import REPO

SOURCE = (REPO / "graph_data" / "source" / "bozhou-work-safety-plan-2024-2026.txt").read_text(
    encoding="utf-8"
)
ID = "https://w3id.org/safetykg/id/"


@pytest.fixture(scope="module")
def index(built_store: Store) -> LookupIndex:
    return LookupIndex.build(built_store)


def quotes_of(answer: SectorProfile | DepartmentProfile) -> list:
    found = [lead.source for lead in answer.leads]
    found += [m.source for m in answer.tasks]
    if isinstance(answer, SectorProfile):
        found += [p.source for p in answer.participants]
        found += [answer.fallback.source] if answer.fallback else []
    return [q for q in found if q is not None]


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  城管局负责哪些领域？ ", "城管局负责哪些领域"),
        ("Ｃｏａｌ　Ｍｉｎｅ", "coal mine"),
        ("大跨度建(构)筑物", "大跨度建构筑物"),
        ("大跨度建（构）筑物", "大跨度建构筑物"),
        ("“三管三必须”", "三管三必须"),
        ("Farmers' markets", "farmers markets"),
        ("谁管 燃气 ?", "谁管燃气"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("谁管燃气?", "燃气"),
        ("谁管燃气？", "燃气"),
        ("城管局负责哪些领域?", "城管局"),
        ("哪个部门负责校园安全", "校园安全"),
        ("烟花爆竹安全由哪个部门牵头", "烟花爆竹安全"),
        ("自建房由谁负责", "自建房"),
        ("Who leads urban gas?", "urban gas"),
        ("Which department is responsible for coal mines?", "coal mines"),
        ("燃气", "燃气"),
    ],
)
def test_strip_question(text: str, expected: str) -> None:
    assert strip_question(text) == expected


def test_similarity_prefers_near_spellings() -> None:
    assert similarity("燃汽", "燃气") > similarity("燃汽", "消防")
    assert similarity("gaz", "gas") > 0.6
    assert similarity("", "gas") == 0.0


# --------------------------------------------------------------------------- sectors

# (question, sector id, lead department ids (sorted), joint)
SECTOR_CASES = [
    # the cases
    ("燃气", "urban-gas", ["bozhou/urban-management"], False),
    ("城镇燃气", "urban-gas", ["bozhou/urban-management"], False),
    ("gas", "urban-gas", ["bozhou/urban-management"], False),
    ("谁管燃气?", "urban-gas", ["bozhou/urban-management"], False),
    ("消防", "fire-safety", ["bozhou/fire-rescue"], False),
    ("危化品", "hazardous-chemicals", ["bozhou/emergency-management"], False),
    ("coal mine", "coal-mines", ["bozhou/development-reform"], False),
    # and more, each from the lead table of 四(二)
    ("铁路", "railway-line", ["bozhou/public-security", "bozhou/transport"], True),
    ("铁路沿线安全谁负责", "railway-line", ["bozhou/public-security", "bozhou/transport"], True),
    ("危险化学品", "hazardous-chemicals", ["bozhou/emergency-management"], False),
    ("学校谁负责？", "campus", ["bozhou/education"], False),
    ("校园安全", "campus", ["bozhou/education"], False),
    ("工业企业", "industrial-enterprises", ["bozhou/economy-it"], False),
    ("社会福利机构", "social-welfare-institutions", ["bozhou/civil-affairs"], False),
    ("核辐射", "nuclear-radiation", ["bozhou/ecology-environment"], False),
    ("废弃危险化学品", "hazardous-waste-chemicals", ["bozhou/ecology-environment"], False),
    ("环保设施安全", "environmental-facilities", ["bozhou/ecology-environment"], False),
    ("建筑施工", "building-construction", ["bozhou/housing-construction"], False),
    ("自建房由谁负责", "self-built-houses", ["bozhou/housing-construction"], False),
    ("群租房", "group-rentals", ["bozhou/housing-construction"], False),
    ("大跨度建(构)筑物", "large-span-structures", ["bozhou/housing-construction"], False),
    ("市政工程", "municipal-engineering", ["bozhou/urban-management"], False),
    ("户外广告", "outdoor-advertising", ["bozhou/urban-management"], False),
    ("园林绿化", "landscaping", ["bozhou/urban-management"], False),
    ("道路交通", "road-traffic", ["bozhou/public-security"], False),
    ("道路运输", "road-transport", ["bozhou/transport"], False),
    ("水上交通运输", "waterway-transport", ["bozhou/transport"], False),
    ("公路工程", "highway-engineering", ["bozhou/transport"], False),
    ("农机", "agricultural-machinery", ["bozhou/agriculture-rural"], False),
    ("畜牧养殖", "livestock-farming", ["bozhou/agriculture-rural"], False),
    ("渔业船舶", "fishing-vessels", ["bozhou/agriculture-rural"], False),
    ("水利行业", "water-conservancy", ["bozhou/water-resources"], False),
    ("文博单位", "museums-heritage", ["bozhou/culture-tourism-sports"], False),
    ("经营性演出", "commercial-performances", ["bozhou/culture-tourism-sports"], False),
    ("体育场馆", "sports-venues", ["bozhou/culture-tourism-sports"], False),
    ("托育机构", "childcare", ["bozhou/health"], False),
    ("医疗卫生", "healthcare", ["bozhou/health"], False),
    ("烟花爆竹安全由哪个部门牵头", "fireworks", ["bozhou/emergency-management"], False),
    ("工贸", "industry-trade", ["bozhou/emergency-management"], False),
    ("特种设备谁管", "special-equipment", ["bozhou/market-regulation"], False),
    ("电梯", "special-equipment", ["bozhou/market-regulation"], False),
    ("产品质量", "product-quality", ["bozhou/market-regulation"], False),
    ("商场超市", "shopping-malls", ["bozhou/commerce"], False),
    ("农贸市场", "farmers-markets", ["bozhou/commerce"], False),
    ("林业", "forestry", ["bozhou/natural-resources"], False),
    ("地质灾害", "geological-hazards", ["bozhou/natural-resources"], False),
    ("粮油储备", "grain-oil-reserves", ["bozhou/development-reform"], False),
    ("油气长输管道", "oil-gas-pipelines", ["bozhou/development-reform"], False),
    ("电力", "electric-power", ["bozhou/development-reform"], False),
    ("快递", "postal-express", ["bozhou/postal"], False),
    ("hazardous chemicals", "hazardous-chemicals", ["bozhou/emergency-management"], False),
    ("Who leads road traffic?", "road-traffic", ["bozhou/public-security"], False),
    ("fireworks", "fireworks", ["bozhou/emergency-management"], False),
    (
        "Which department is responsible for coal mines?",
        "coal-mines",
        ["bozhou/development-reform"],
        False,
    ),
    ("ＧＡＳ", "urban-gas", ["bozhou/urban-management"], False),
    ("燃气安全", "urban-gas", ["bozhou/urban-management"], False),
    ("coal mien", "coal-mines", ["bozhou/development-reform"], False),
]


@pytest.mark.parametrize(
    ("question", "sector", "leads", "joint"), SECTOR_CASES, ids=[c[0] for c in SECTOR_CASES]
)
def test_sector_questions(
    index: LookupIndex, question: str, sector: str, leads: list[str], joint: bool
) -> None:
    answer = index.answer(question, "zh")
    assert answer.status == "match", [(c.id, c.score) for c in answer.candidates]
    assert answer.best is not None and answer.best.id == sector
    profile = answer.best.answer
    assert isinstance(profile, SectorProfile)
    assert sorted(lead.department.id for lead in profile.leads) == leads
    assert all(lead.joint is joint for lead in profile.leads)
    assert profile.fallback is None
    for lead in profile.leads:
        # the lead table's sentence names the department and the sector as the text does
        assert lead.source is not None
        assert lead.source.text == SOURCE[lead.source.start : lead.source.end]
        assert "牵头负责" in lead.source.text or "按照职责" in lead.source.text
    for quote in quotes_of(profile):
        assert quote.text == SOURCE[quote.start : quote.end]


@pytest.mark.parametrize("question", ["农林渔业", "民政机构", "成品油", "城市运行", "粉尘涉爆"])
def test_sectors_without_a_lead_fall_back_to_three_manages_three_musts(
    index: LookupIndex, question: str
) -> None:
    answer = index.answer(question, "zh")
    assert answer.status == "match"
    profile = answer.best.answer
    assert isinstance(profile, SectorProfile)
    assert profile.leads == []
    assert profile.fallback is not None
    assert profile.fallback.rule.label_zh == "三管三必须"
    assert profile.fallback.source.text.startswith("未列明的行业领域")
    assert "三管三必须" in profile.summary


def test_gas_answer_names_the_departments_that_take_part(index: LookupIndex) -> None:
    profile = index.answer("谁管燃气?", "zh").best.answer
    assert isinstance(profile, SectorProfile)
    # task 8: 燃气行业管理部门牵头，公安、交通运输、商务、市场监管、消防等部门(机构)参与
    assert sorted(p.department.id for p in profile.participants) == [
        "bozhou/commerce",
        "bozhou/fire-rescue",
        "bozhou/market-regulation",
        "bozhou/public-security",
        "bozhou/transport",
    ]
    assert all("参与" in p.source.text for p in profile.participants)
    assert {m.number for m in profile.tasks} == {8, 19}
    assert profile.summary == "城镇燃气由亳州市城市管理局牵头负责。"


def test_fire_answer_also_lists_the_fire_service(index: LookupIndex) -> None:
    answer = index.answer("消防", "zh")
    ids = [c.id for c in answer.candidates]
    assert ids[:2] == ["fire-safety", "bozhou/fire-rescue"]
    assert answer.best.answer.leads[0].department.label_zh == "亳州市消防救援支队"


def test_english_display_language(index: LookupIndex) -> None:
    answer = index.answer("铁路", "en")
    assert answer.best.label == "Along railway lines"
    assert answer.best.answer.summary.startswith("Along railway lines is led jointly by")


def test_high_risk_sectors_cite_the_sentence(index: LookupIndex) -> None:
    profile = index.answer("煤矿", "zh").best.answer
    assert profile.high_risk is True
    assert any("高危" in q.text for q in profile.high_risk_sources)


# --------------------------------------------------------------------------- departments

# (question, department id, sector ids it leads, joint sector ids)
DEPARTMENT_CASES = [
    (
        "城管局",
        "bozhou/urban-management",
        [
            "landscaping",
            "municipal-engineering",
            "outdoor-advertising",
            "recycling-parks",
            "urban-gas",
        ],
        [],
    ),
    (
        "城管局负责哪些领域?",
        "bozhou/urban-management",
        [
            "landscaping",
            "municipal-engineering",
            "outdoor-advertising",
            "recycling-parks",
            "urban-gas",
        ],
        [],
    ),
    (
        "亳州市城市管理局",
        "bozhou/urban-management",
        [
            "landscaping",
            "municipal-engineering",
            "outdoor-advertising",
            "recycling-parks",
            "urban-gas",
        ],
        [],
    ),
    (
        "应急局",
        "bozhou/emergency-management",
        ["fireworks", "hazardous-chemicals", "industry-trade"],
        [],
    ),
    (
        "发改委负责什么",
        "bozhou/development-reform",
        ["coal-mines", "electric-power", "grain-oil-reserves", "oil-gas-pipelines"],
        [],
    ),
    (
        "交通运输局",
        "bozhou/transport",
        ["highway-engineering", "railway-line", "road-transport", "waterway-transport"],
        ["railway-line"],
    ),
    ("公安局", "bozhou/public-security", ["railway-line", "road-traffic"], ["railway-line"]),
    ("Bozhou Municipal Fire and Rescue Detachment", "bozhou/fire-rescue", ["fire-safety"], []),
    ("市场监管局", "bozhou/market-regulation", ["product-quality", "special-equipment"], []),
    ("教体局", "bozhou/education", ["campus"], []),
    ("卫健委", "bozhou/health", ["childcare", "healthcare"], []),
    ("邮政管理局", "bozhou/postal", ["postal-express"], []),
    ("市委党校", "bozhou/party-school", [], []),
]


@pytest.mark.parametrize(
    ("question", "department", "sectors", "joint"),
    DEPARTMENT_CASES,
    ids=[c[0] for c in DEPARTMENT_CASES],
)
def test_department_questions(
    index: LookupIndex, question: str, department: str, sectors: list[str], joint: list[str]
) -> None:
    answer = index.answer(question, "zh")
    assert answer.status == "match", [(c.id, c.score) for c in answer.candidates]
    assert answer.best.id == department
    profile = answer.best.answer
    assert isinstance(profile, DepartmentProfile)
    assert sorted(lead.sector.id for lead in profile.leads) == sectors
    assert sorted(lead.sector.id for lead in profile.leads if lead.joint) == joint
    for quote in quotes_of(profile):
        assert quote.text == SOURCE[quote.start : quote.end]


def test_party_school_is_named_by_task_4(index: LookupIndex) -> None:
    profile = index.answer("市委党校", "zh").best.answer
    assert [m.number for m in profile.tasks] == [4]
    assert "市委党校" in profile.tasks[0].source.text


def test_region_lookup(index: LookupIndex) -> None:
    answer = index.answer("涡阳县", "zh")
    assert answer.best.id == "guoyang"
    assert answer.best.answer.government.label_zh == "涡阳县人民政府"


# --------------------------------------------------------------------------- ambiguity, misses


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("civil affairs", {"civil-affairs-institutions", "bozhou/civil-affairs"}),
        ("交通", {"bozhou/transport", "road-traffic", "transport"}),
        ("hazardous", {"hazardous-chemicals", "hazardous-waste-chemicals"}),
        ("燃气和消防", {"fire-safety", "urban-gas"}),
    ],
)
def test_ambiguous_questions_rank_candidates_and_do_not_guess(
    index: LookupIndex, question: str, expected: set[str]
) -> None:
    answer = index.answer(question, "zh")
    assert answer.status == "ambiguous"
    assert answer.best is None
    assert expected <= {c.id for c in answer.candidates}
    scores = [c.score for c in answer.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(c.answer is not None for c in answer.candidates[:2])


@pytest.mark.parametrize(
    ("question", "suggested"),
    [("燃汽", "urban-gas"), ("gaz", "urban-gas"), ("消访", "fire-safety")],
)
def test_misses_give_suggestions(index: LookupIndex, question: str, suggested: str) -> None:
    answer = index.answer(question, "zh")
    assert answer.status == "none"
    assert answer.candidates == []
    assert suggested in [s.id for s in answer.suggestions]


def test_nothing_at_all(index: LookupIndex) -> None:
    answer = index.answer("xyzzy", "zh")
    assert (answer.status, answer.candidates) == ("none", [])


def test_empty_text_is_a_bad_parameter(index: LookupIndex) -> None:
    with pytest.raises(BadParameter, match="q"):
        index.answer(" ？ ", "zh")


# --------------------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("urban-gas", "sector", "sector/urban-gas"),
        ("燃气", "sector", "sector/urban-gas"),
        ("Urban gas", "sector", "sector/urban-gas"),
        (f"{ID}sector/urban-gas", "sector", "sector/urban-gas"),
        ("bozhou/urban-management", "department", "department/bozhou/urban-management"),
        ("urban-management", "department", "department/bozhou/urban-management"),
        ("城管局", "department", "department/bozhou/urban-management"),
        ("guoyang", "region", "region/guoyang"),
        ("涡阳县", "region", "region/guoyang"),
        ("Guoyang County", "region", "region/guoyang"),
    ],
)
def test_resolve(index: LookupIndex, value: str, kind: str, expected: str) -> None:
    assert index.resolve(value, kind) == ID + expected  # type: ignore[arg-type]


def test_resolve_unknown_gives_suggestions(index: LookupIndex) -> None:
    with pytest.raises(UnknownResource) as caught:
        index.resolve("urban-gaz", "sector", parameter="sector")
    assert "sector" in caught.value.detail
    assert "urban-gas" in [s.id for s in caught.value.suggestions]
    assert caught.value.status == 404


def test_resolve_refuses_an_iri_of_another_kind(index: LookupIndex) -> None:
    with pytest.raises(BadParameter):
        index.resolve(f"{ID}sector/urban-gas", "department")
