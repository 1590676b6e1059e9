"""The extractor on plans of the same genre that differ from Bozhou's (tests/data/plans/).

lixin-county-2024: a county plan — 县…局 departments, a fire 大队, goals in their own 目标
section, three actions, five tasks, three phases, the 职责分工 paragraph in section 三, and
month-precise deadlines (2024年10月31日前, 2025年3月底前, 3月15日前).
wuhu-city-2025: another city — task numbers restart in each action, two phases, the lead
table under 保障措施, 2026年6月30日前 and 2026年上半年前.
"""

from datetime import date

D = "https://w3id.org/safetykg/id/department/"


def test_lixin_outline(lixin):
    assert lixin.values("SELECT (COUNT(*) AS ?n) WHERE { ?a a sk:Action }") == [3]
    assert lixin.values("SELECT (COUNT(*) AS ?n) WHERE { ?a a sk:Task }") == [5]
    phases = lixin.rows("SELECT ?l ?s ?e WHERE { ?p a sk:Phase; rdfs:label ?l; sk:startDate ?s; "
                        "sk:endDate ?e FILTER(lang(?l) = 'zh') } ORDER BY ?s")
    assert phases == [("部署启动阶段", date(2024, 3, 1), date(2024, 5, 31)),
                      ("集中攻坚阶段", date(2024, 6, 1), date(2026, 6, 30)),
                      ("总结提升阶段", date(2026, 7, 1), date(2026, 12, 31))]


def test_lixin_goals_from_their_own_section(lixin):
    rows = lixin.rows("SELECT ?due ?inf WHERE { ?g a sk:Goal; sk:number ?n; sk:hasDeadline "
                      "[ sk:dueDate ?due; sk:dateInferred ?inf ] } ORDER BY ?n")
    assert rows == [(date(2024, 10, 31), False), (date(2025, 6, 30), True),
                    (date(2026, 12, 31), True)]


def test_lixin_deadline_forms(lixin):
    rows = lixin.rows("SELECT ?e ?due ?inf WHERE { ?t a sk:Task; sk:hasDeadline ?d. ?d sk:expression ?e; "
                      "sk:dueDate ?due; sk:dateInferred ?inf } ORDER BY ?due")
    assert rows == [("3月15日前", date(2024, 3, 15), True),     # year taken from the plan
                    ("2024年底前", date(2024, 12, 31), True),   # after a page-break split
                    ("2025年3月底前", date(2025, 3, 31), True),
                    ("三年内", date(2026, 12, 31), True)]
    phase = lixin.rows("SELECT ?due WHERE { ?p a sk:Phase; sk:number 1; sk:hasDeadline/sk:dueDate ?due }")
    assert phase == [(date(2024, 4, 30),)]


def test_lixin_frequencies(lixin):
    rows = lixin.rows("SELECT ?n ?c ?hr WHERE { ?t a sk:Task; sk:number ?n; sk:hasFrequency ?f. "
                      "?f sk:minCount ?c; sk:highRiskVariant ?hr } ORDER BY ?n ?hr")
    assert rows == [(1, 2, False), (1, 1, True), (3, 1, False), (5, 2, False)]  # 两次 → 2


def test_lixin_county_departments(lixin):
    rows = lixin.rows("SELECT ?zh ?en WHERE { ?s sk:leadDepartment ?d. ?d rdfs:label ?zh, ?en "
                      "FILTER(lang(?zh) = 'zh' && lang(?en) = 'en') }")
    assert ("利辛县消防救援大队", "Lixin County Fire and Rescue Brigade") in rows
    assert ("利辛县应急管理局", "Lixin County Emergency Management Bureau") in rows
    pairs = lixin.values("SELECT (COUNT(*) AS ?n) WHERE { ?s sk:leadDepartment ?d }")
    assert pairs == [9]  # 校园 1 + 住建 2 + 应急 3 (危化品、烟花爆竹和工贸企业) + 消防 1 + 道路运输 2 (joint)
    joint = lixin.values("SELECT ?d WHERE { ?a sk:jointLead true; sk:assignedDepartment ?d }")
    assert {x.removeprefix(D + "lixin/") for x in joint} == {"transport", "public-security"}


def test_lixin_mentions(lixin):
    parts = lixin.values("SELECT ?d WHERE { ?t sk:number 2; sk:participatingDepartment ?d }")
    assert {x.removeprefix(D + "lixin/") for x in parts} == {"transport", "public-security",
                                                             "fire-rescue"}
    named = lixin.values("SELECT ?d WHERE { ?t sk:number 1; sk:mentionsDepartment ?d }")
    assert {x.removeprefix(D + "lixin/") for x in named} == {"emergency-management", "party-school"}
    channels = lixin.values("SELECT ?c WHERE { ?t sk:number 3; sk:mentionsChannel ?c }")
    assert {c.split("#")[1] for c in channels} == {"ChannelSelfReport", "ChannelPublicReport"}


def test_wuhu_numbering_restarts_per_action(wuhu):
    tasks = wuhu.values("SELECT ?t WHERE { ?t a sk:Task } ORDER BY ?t")
    assert [t.rsplit("/", 1)[1] for t in tasks] == ["1-1", "1-2", "2-1", "2-2"]


def test_wuhu_deadlines_and_goals(wuhu):
    goals = wuhu.rows("SELECT ?due ?inf WHERE { ?g a sk:Goal; sk:number ?n; sk:hasDeadline "
                      "[ sk:dueDate ?due; sk:dateInferred ?inf ] } ORDER BY ?n")
    assert goals == [(date(2025, 12, 31), True), (date(2026, 6, 30), False)]
    rows = wuhu.rows("SELECT ?e ?due WHERE { ?t a sk:Task; sk:hasDeadline ?d. ?d sk:expression ?e; "
                     "sk:dueDate ?due } ORDER BY ?due")
    assert rows == [("2025年9月底前", date(2025, 9, 30)), ("2025年", date(2025, 12, 31)),
                    ("2026年上半年前", date(2026, 6, 30))]


def test_wuhu_lead_table_under_another_section(wuhu):
    rows = wuhu.rows("SELECT ?s ?zh WHERE { ?s sk:leadDepartment ?d. ?d rdfs:label ?zh "
                     "FILTER(lang(?zh) = 'zh') }")
    got = {(s.rsplit("/", 1)[1], zh) for s, zh in rows}
    assert got == {("urban-gas", "芜湖市城市管理局"), ("municipal-engineering", "芜湖市城市管理局"),
                   ("fire-safety", "芜湖市消防救援支队"),
                   ("hazardous-chemicals", "芜湖市应急管理局"),
                   ("industry-trade", "芜湖市应急管理局"),
                   ("special-equipment", "芜湖市市场监管局")}


def test_wuhu_cadences_and_measures(wuhu):
    periods = wuhu.values("SELECT (STR(?p) AS ?s) WHERE { ?plan a sk:Plan; sk:hasFrequency/sk:period ?p } "
                          "ORDER BY ?s")
    assert periods == ["P1M", "P3M"]
    measures = wuhu.values("SELECT ?m WHERE { ?plan a sk:Plan; sk:mentionsMeasure ?m }")
    assert {m.split("#")[1] for m in measures} == {"MeasureCircular", "MeasureInterview",
                                                    "MeasureExposure"}


def test_spans_exact_in_test_plans(lixin, wuhu):
    for plan in (lixin, wuhu):
        for quote, start, end in plan.rows("SELECT ?q ?s ?e WHERE { ?x sk:quote ?q; "
                                           "sk:startOffset ?s; sk:endOffset ?e }"):
            assert plan.text[start:end] == quote
