"""The Bozhou plan as extracted, pinned to what its text says (checked by hand)."""

from datetime import date

import pytest
from rdflib import URIRef

T = "https://w3id.org/safetykg/id/task/bozhou-2024/"
SECTOR = "https://w3id.org/safetykg/id/sector/"
DEPT = "https://w3id.org/safetykg/id/department/bozhou/"


def count(plan, cls: str) -> int:
    return plan.values(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}")[0]


@pytest.mark.parametrize(("cls", "n"), [
    ("sk:Action", 10), ("sk:Task", 34), ("sk:Phase", 4), ("sk:Goal", 3), ("sk:Plan", 1),
    ("sk:LeadAssignment", 48),
])
def test_counts(bozhou, cls, n):
    assert count(bozhou, cls) == n


def test_lead_departments_are_nineteen(bozhou):
    depts = bozhou.values("SELECT DISTINCT ?d WHERE { ?s sk:leadDepartment ?d }")
    assert len(depts) == 19


def test_tasks_numbered_1_to_34_across_actions(bozhou):
    rows = bozhou.rows("SELECT ?an ?tn WHERE { ?a sk:hasTask ?t; sk:number ?an. ?t sk:number ?tn }")
    by_action: dict[int, list[int]] = {}
    for a, t in rows:
        by_action.setdefault(a, []).append(t)
    assert sorted(t for ts in by_action.values() for t in ts) == list(range(1, 35))
    assert sorted(by_action[2]) == list(range(5, 14))   # 深化重点行业领域专项治理行动: 5–13
    assert sorted(by_action[3]) == [14, 15, 16, 17]
    assert by_action[9] == [33] and by_action[10] == [34]


@pytest.mark.parametrize(("n", "zh"), [
    (1, "安全生产责任落实行动"),
    (3, "开展重大事故隐患动态清零行动"),
    (9, "开展安全生产“打非治违”专项行动"),   # full-width brackets in the heading
    (10, "开展应急救援能力提升行动"),
])
def test_action_titles(bozhou, n, zh):
    assert bozhou.values("SELECT ?l WHERE { ?a a sk:Action; sk:number ?n; rdfs:label ?l "
                         "FILTER(lang(?l) = 'zh') }", n=_int(n)) == [zh]


@pytest.mark.parametrize(("n", "title"), [
    (1, "开展安全生产督导"), (8, "深化城镇燃气专项治理"), (17, "健全重大事故隐患数据库"),
    (5, "总结重大事故隐患专项排查整治2023行动经验做法"),  # long first sentence: first clause
])
def test_task_titles(bozhou, n, title):
    assert bozhou.values("SELECT ?l WHERE { ?t sk:number ?n; a sk:Task; rdfs:label ?l "
                         "FILTER(lang(?l) = 'zh') }", n=_int(n)) == [title]


def test_page_break_split_sentences_are_joined(bozhou):
    full = dict(bozhou.rows("SELECT ?n ?x WHERE { ?t a sk:Task; sk:number ?n; sk:fullText ?x }"))
    assert "党政领导干部在安全生产工作中不作为" in full[1]      # "在\n\n安全生产"
    assert "存在的问题漏洞" in full[10]                         # "问题漏\n\n洞"
    assert "违法违规行为" in full[10]                           # traditional 爲 normalised
    assert "依法加快推进“小散乱”企业有序关闭" in full[19]        # second paragraph kept
    assert "铁心硬手" in full[33]
    phase4 = bozhou.values("SELECT ?x WHERE { ?p a sk:Phase; sk:number 4; sk:fullText ?x }")[0]
    assert "共性问题和突出隐患" in phase4                       # stray Latin "and"


def test_goals_and_their_deadlines(bozhou):
    rows = bozhou.rows("SELECT ?n ?l ?due ?inf WHERE { ?g a sk:Goal; sk:number ?n; rdfs:label ?l; "
                       "sk:hasDeadline [ sk:dueDate ?due; sk:dateInferred ?inf ] "
                       "FILTER(lang(?l) = 'zh') } ORDER BY ?n")
    assert rows == [
        (1, "基本消除2023年及以前排查发现的重大事故隐患存量", date(2024, 12, 31), True),
        (2, "有效压减重大事故隐患增量", date(2025, 12, 31), True),
        (3, "形成重大事故隐患动态清零的常态化机制", date(2026, 12, 31), True),
    ]


def test_phases(bozhou):
    rows = bozhou.rows("SELECT ?n ?l ?s ?e WHERE { ?p a sk:Phase; sk:number ?n; rdfs:label ?l; "
                       "sk:startDate ?s; sk:endDate ?e FILTER(lang(?l) = 'zh') } ORDER BY ?n")
    assert rows == [
        (1, "动员部署阶段", date(2024, 2, 1), date(2024, 4, 30)),
        (2, "专项治理阶段", date(2024, 5, 1), date(2025, 12, 31)),
        (3, "巩固提升阶段", date(2026, 1, 1), date(2026, 9, 30)),
        (4, "总结评估阶段", date(2026, 10, 1), date(2026, 12, 31)),
    ]


def test_phase_one_sub_deadline_has_inferred_year(bozhou):
    rows = bozhou.rows("SELECT ?due ?inf ?c WHERE { ?p a sk:Phase; sk:number 1; sk:hasDeadline ?d. "
                       "?d sk:dueDate ?due; sk:dateInferred ?inf; sk:clause ?c }")
    assert rows == [(date(2024, 2, 28), True, "将各自方案报市安委会办公室")]


def task_deadlines(plan, n: int) -> list[tuple]:
    return plan.rows("SELECT ?e ?due ?inf WHERE { ?t a sk:Task; sk:number ?n; sk:hasDeadline ?d. "
                     "?d sk:expression ?e; sk:dueDate ?due; sk:dateInferred ?inf } ORDER BY ?due",
                     n=_int(n))


@pytest.mark.parametrize(("n", "expected"), [
    (4, [("2024年", date(2024, 12, 31), True), ("2025年", date(2025, 12, 31), True),
         ("2026年", date(2026, 12, 31), True)]),                 # yearly focus items
    (16, [("2024年底前", date(2024, 12, 31), True)]),
    (17, [("2024年底前", date(2024, 12, 31), True)]),
    (18, [("2024年底前", date(2024, 12, 31), True), ("2025年底前", date(2025, 12, 31), True),
          ("2026年底", date(2026, 12, 31), True)]),              # "2026年底" without 前
    (19, [("2025年底前", date(2025, 12, 31), True)]),
    (24, [("2024年", date(2024, 12, 31), True), ("2025年", date(2025, 12, 31), True)]),
    (29, [("2024年底前", date(2024, 12, 31), True), ("三年内", date(2026, 12, 31), True)]),
    (1, []), (34, []),
])
def test_task_deadlines(bozhou, n, expected):
    assert task_deadlines(bozhou, n) == expected


def test_deadline_clause(bozhou):
    clauses = bozhou.values("SELECT ?c WHERE { ?t sk:number 19; a sk:Task; sk:hasDeadline/sk:clause ?c }")
    assert clauses == ["推动变型拖拉机全部淘汰退出"]
    clauses = bozhou.values("SELECT ?c WHERE { ?t sk:number 21; a sk:Task; sk:hasDeadline/sk:clause ?c }")
    assert clauses == ["不符合条件的机构予以清退"]


def frequencies(plan, owner: str) -> list[tuple]:
    return plan.rows("SELECT (STR(?p) AS ?ps) ?n ?hr (BOUND(?v) AS ?variant) WHERE { ?o sk:hasFrequency ?f. "
                     "?f sk:period ?p; sk:minCount ?n; sk:highRiskVariant ?hr "
                     "OPTIONAL { ?f sk:stricterVariantOf ?v } } ORDER BY ?hr ?ps",
                     o=URIRef(owner))


@pytest.mark.parametrize(("n", "expected"), [
    (1, [("P3M", 1, False, False)]),                                # 每季度…开展一次
    (4, [("P3M", 1, False, False), ("P1M", 1, True, True)]),        # (高危行业领域每月至少1次)
    (23, [("P1Y", 1, False, False), ("P6M", 1, True, True)]),       # (高危行业领域每半年至少一次)
    (30, [("P3M", 1, False, False)]),                               # 每季度制作安全生产警示片
    (7, [("P1Y", 1, False, False), ("P1Y", 1, False, False)]),
    (17, []),
])
def test_task_frequencies(bozhou, n, expected):
    got = [(str(p), c, h, v) for p, c, h, v in frequencies(bozhou, T + str(n))]
    assert got == expected


def test_plan_level_cadences(bozhou):
    got = sorted(str(p) for p, *_ in frequencies(bozhou, "https://w3id.org/safetykg/id/plan/bozhou-2024"))
    # 四(一): 每季度至少研究一次, 每月调度一次, 每月汇报; 四(七): 一月一调度、一季一通报、一年一评估
    assert got == ["P1M", "P1M", "P1M", "P1Y", "P3M", "P3M"]


@pytest.mark.parametrize(("sector", "depts"), [
    ("urban-gas", {"urban-management"}),            # name split by a page break: 市城\n\n市管理局
    ("railway-line", {"transport", "public-security"}),   # joint: 等部门按照职责做好
    ("fire-safety", {"fire-rescue"}),
    ("coal-mines", {"development-reform"}),
    ("electric-power", {"development-reform"}),     # "油气长输管道和电力" splits at 和
    ("fishing-vessels", {"agriculture-rural"}),     # "高标准农田建设和渔业船舶"
    ("sports-venues", {"culture-tourism-sports"}),  # "体育场馆和设施" stays whole
    ("hazardous-chemicals", {"emergency-management"}),
    ("campus", {"education"}),
    ("postal-express", {"postal"}),
])
def test_lead_table(bozhou, sector, depts):
    got = bozhou.values("SELECT ?d WHERE { ?s sk:leadDepartment ?d }", s=URIRef(SECTOR + sector))
    assert {str(d).removeprefix(DEPT) for d in got} == depts


def test_joint_lead_is_marked(bozhou):
    joint = bozhou.values("SELECT DISTINCT ?s WHERE { ?a sk:jointLead true; sk:assignedSector ?s }")
    assert [str(s) for s in joint] == [SECTOR + "railway-line"]


def test_urban_management_leads_five_sectors(bozhou):
    labels = bozhou.values("SELECT ?l WHERE { ?s sk:leadDepartment ?d; rdfs:label ?l "
                           "FILTER(lang(?l) = 'zh') } ORDER BY ?l", d=URIRef(DEPT + "urban-management"))
    assert sorted(labels) == sorted(["城镇燃气", "市政工程", "循环产业园", "户外广告", "园林绿化"])


def test_department_labels_are_bilingual(bozhou):
    rows = bozhou.rows("SELECT ?zh ?en WHERE { ?d rdfs:label ?zh, ?en "
                       "FILTER(lang(?zh) = 'zh' && lang(?en) = 'en') }", d=URIRef(DEPT + "urban-management"))
    assert rows == [("亳州市城市管理局", "Bozhou Municipal Urban Management Bureau")]


def test_fallback_rule(bozhou):
    quote = bozhou.values("SELECT ?q WHERE { ?r a sk:RuleStatement; sk:rule sk:ThreeManagesThreeMusts; "
                          "sk:source/sk:quote ?q }")
    assert len(quote) == 1 and quote[0].startswith("未列明的行业领域，按照“三管三必须”的要求")


def test_task_4_names_party_school(bozhou):
    got = bozhou.values("SELECT ?l WHERE { ?t sk:mentionsDepartment ?d. ?d rdfs:label ?l "
                        "FILTER(lang(?l) = 'zh') }", t=URIRef(T + "4"))
    assert "亳州市委党校" in got


def test_task_8_participants_and_sector(bozhou):
    got = bozhou.values("SELECT ?d WHERE { ?t sk:participatingDepartment ?d }", t=URIRef(T + "8"))
    assert {str(d).removeprefix(DEPT) for d in got} == {
        "public-security", "transport", "commerce", "market-regulation", "fire-rescue"}
    sectors = bozhou.values("SELECT ?s WHERE { ?t sk:concernsSector ?s }", t=URIRef(T + "8"))
    assert SECTOR + "urban-gas" in sectors


def test_task_13_names_sixteen_sectors(bozhou):
    got = bozhou.values("SELECT ?l WHERE { ?t sk:concernsSector ?s. ?s rdfs:label ?l "
                        "FILTER(lang(?l) = 'zh') }", t=URIRef(T + "13"))
    assert len(got) == 16
    assert {"校园", "民政机构", "铁路沿线", "农林渔业", "邮政快递业", "体育场馆和设施"} <= set(got)


def test_task_and_lead_table_share_sector_nodes(bozhou):
    # One query joins what task 13 names with who leads it.
    got = bozhou.values("SELECT ?l WHERE { ?t sk:concernsSector ?s. ?s sk:leadDepartment ?d. "
                        "?d rdfs:label ?l FILTER(lang(?l) = 'zh') }", t=URIRef(T + "13"))
    assert "亳州市教育局" in got and "亳州市发展改革委" in got


def test_high_risk_sectors(bozhou):
    got = bozhou.values("SELECT ?s WHERE { ?s a sk:HighRiskSector }")
    assert {str(s).removeprefix(SECTOR) for s in got} == {"hazardous-chemicals", "coal-mines",
                                                           "fireworks"}


def test_discovery_channels_of_task_17(bozhou):
    got = bozhou.values("SELECT ?c WHERE { ?t sk:mentionsChannel ?c }", t=URIRef(T + "17"))
    assert {str(c).split("#")[1] for c in got} == {"ChannelSelfReport", "ChannelInspection",
                                                    "ChannelPublicReport"}


def test_escalation_measures_of_task_16(bozhou):
    got = bozhou.values("SELECT ?m WHERE { ?t sk:mentionsMeasure ?m }", t=URIRef(T + "16"))
    assert {str(c).split("#")[1] for c in got} == {"MeasureLetter", "MeasureCircular",
                                                    "MeasureInterview", "MeasureExposure"}


def test_document_metadata(bozhou):
    rows = bozhou.rows("SELECT ?issued ?printed ?copies ?issuer WHERE { ?p a sk:Plan; sk:issuedOn ?issued; "
                       "sk:printedOn ?printed; sk:copies ?copies; sk:issuer/rdfs:label ?issuer "
                       "FILTER(lang(?issuer) = 'zh') }")
    assert rows == [(date(2024, 2, 21), date(2024, 2, 21), 10, "亳州市安全生产委员会")]
    recipients = bozhou.values("SELECT ?r WHERE { ?p sk:recipient ?r }")
    assert set(recipients) == {"各县、区人民政府", "亳州高新区管委会", "亳芜现代产业园区管委会",
                               "市安委会各成员单位", "中央、省驻亳单位及市属企业"}
    title = bozhou.values("SELECT ?t WHERE { ?p a sk:Plan; rdfs:label ?t FILTER(lang(?t) = 'zh') }")
    assert title == ["亳州市安全生产治本攻坚三年行动实施方案(2024—2026年)"]


def test_every_span_quotes_the_source_exactly(bozhou):
    spans = bozhou.rows("SELECT ?q ?s ?e WHERE { ?x sk:quote ?q; sk:startOffset ?s; sk:endOffset ?e }")
    assert len(spans) > 100
    for quote, start, end in spans:
        assert bozhou.text[start:end] == quote


def test_every_fact_node_has_a_source(bozhou):
    missing = bozhou.values("""SELECT ?x WHERE {
        VALUES ?c { sk:Task sk:Action sk:Goal sk:Phase sk:Deadline sk:FrequencyRequirement
                    sk:LeadAssignment sk:Mention sk:RuleStatement }
        ?x a ?c FILTER NOT EXISTS { ?x sk:source ?s } }""")
    assert missing == []


def test_every_resource_is_bilingual(bozhou):
    missing = bozhou.values("""SELECT ?x WHERE { ?x a ?c
        FILTER (NOT EXISTS { ?x rdfs:label ?zh FILTER(lang(?zh) = 'zh') }
             || NOT EXISTS { ?x rdfs:label ?en FILTER(lang(?en) = 'en') }) }""")
    assert missing == []


def _int(n: int):
    from rdflib import Literal

    return Literal(n)
