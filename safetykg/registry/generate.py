"""Synthetic hazard registries for demos, tests and benchmarks: ``safetykg generate``.

:func:`generate` writes an importable CSV (the columns of
:mod:`~safetykg.registry.ingest`) that looks like a city's hazard ledger and
is **marked synthetic on every row** (``synthetic = true``). The same
arguments always give the same bytes: everything is drawn from one
``random.Random(seed)``, and the data is "as of" a fixed day (``as_of``,
default 2026-11-30), never the machine's clock.

What makes it plausible:

* enterprises with Chinese trade names by region and trade (``涡阳县恒信化工有限公司``)
  and English names by region, sector and number, marked as synthetic
  (``Guoyang Hazardous Chemicals Enterprise No. 0007 (synthetic)``), principals
  and actual controllers with common surnames, and valid credit codes
  (GB 32100-2015 check character, GB 11714 organisation code, the region's
  GB/T 2260 division);
* the six county-level regions of Bozhou and the city itself, weighted by size;
* sectors weighted towards those where real hazards are found (工贸, 危化品,
  建筑施工, 城镇燃气, 消防, 道路运输, 特种设备 …), plus a few sectors the lead table
  does not list (粉尘涉爆), so the 三管三必须 fallback is exercised, and one with a
  joint lead (铁路沿线);
* discoveries from 2022 to the as-of day, peaking with the 2023 campaign and
  falling in 2025–2026 (the plan's goals); deadlines 7–180 days out; about 81 %
  closed on time, 16 % closed late, 2.5 % stuck; what is still open on the as-of
  day is reported, rectifying or rectified in proportion to its progress
  (for 1,000,000 hazards as of 2026-11-30: 96.3 % closed, 3.7 % open, 2.6 % overdue);
* escalations (函告 → 通报 → 约谈 → 曝光) on the thresholds of the ladder for
  hazards that ran late, by the responsible department or the government,
  and listed supervision (挂牌督办) of some late major hazards by a government;
* closings reviewed by a lead department of the sector or by the region's
  government (the only reviewer for unlisted sectors).

An enterprise's details are written on its first row; later rows name it by
credit code and name. Enterprises that draw no hazard get a row of their own.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import itertools
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from safetykg.registry.creditcode import make_code
from safetykg.registry.ingest import COLUMNS
from safetykg.registry.vocabulary import LADDER, LADDER_THRESHOLDS

__all__ = ["DEFAULT_AS_OF", "GenerateReport", "generate"]

DEFAULT_AS_OF = dt.date(2026, 11, 30)


@dataclass(frozen=True)
class _Sector:
    zh: str
    weight: float
    leads: tuple[str, ...]
    trades: tuple[str, ...]
    hazards: tuple[str, ...]


# Sector names and lead departments as the plan graph labels them (四(二) of the plan).
_SECTORS: tuple[_Sector, ...] = (
    _Sector(
        "工贸企业",
        22,
        ("亳州市应急管理局",),
        ("机械制造", "家具", "食品", "纺织", "建材", "金属制品", "酿酒"),
        (
            "涉氨制冷车间未设置氨气浓度报警装置",
            "有限空间作业未执行先通风、再检测、后作业",
            "冲压设备安全防护装置失效",
            "高温熔融金属吊运设备不符合要求",
            "作业场所安全出口不足",
        ),
    ),
    _Sector(
        "危化品",
        12,
        ("亳州市应急管理局",),
        ("化工", "石化", "气体", "涂料", "新材料"),
        (
            "重大危险源未实现自动化控制",
            "储罐区防火堤破损",
            "可燃气体报警仪未定期检定",
            "装卸作业未落实静电接地",
            "特殊作业票证管理不规范",
        ),
    ),
    _Sector(
        "建筑施工",
        14,
        ("亳州市住房城乡建设局",),
        ("建筑工程", "建设", "路桥", "市政工程"),
        (
            "深基坑支护未按专项方案施工",
            "高大模板支撑体系未经专家论证",
            "塔式起重机安全装置失效",
            "脚手架连墙件设置不足",
            "临边洞口防护缺失",
        ),
    ),
    _Sector(
        "城镇燃气",
        10,
        ("亳州市城市管理局",),
        ("燃气", "天然气", "液化气"),
        (
            "餐饮场所未安装燃气泄漏报警装置",
            "燃气管道老化锈蚀",
            "瓶装液化石油气违规存放",
            "调压站安全间距不足",
            "入户安检未按规定开展",
        ),
    ),
    _Sector(
        "消防",
        14,
        ("亳州市消防救援支队",),
        ("商业管理", "酒店", "物业服务", "商贸"),
        (
            "疏散通道被占用堵塞",
            "安全出口锁闭",
            "自动喷水灭火系统瘫痪",
            "消防控制室无人值守",
            "电动自行车违规停放充电",
        ),
    ),
    _Sector(
        "道路运输",
        7,
        ("亳州市交通运输局",),
        ("运输", "物流", "客运"),
        (
            "危险货物运输车辆未安装主动安全装置",
            "驾驶员疲劳驾驶监控缺失",
            "客运车辆超员运营",
            "车辆动态监控平台运行不正常",
        ),
    ),
    _Sector(
        "特种设备",
        5,
        ("亳州市市场监管局",),
        ("起重设备", "电梯工程", "锅炉"),
        ("电梯未按期检验", "压力容器安全附件失效", "起重机械限位装置损坏"),
    ),
    _Sector(
        "粉尘涉爆",
        3,
        (),
        ("木业", "铝制品", "粮油加工"),
        ("除尘系统未设置泄爆装置", "粉尘清扫制度未落实", "除尘器未采用防爆电气"),
    ),
    _Sector(
        "烟花爆竹",
        2,
        ("亳州市应急管理局",),
        ("烟花爆竹",),
        ("烟花爆竹仓库超量储存", "防雷设施未检测"),
    ),
    _Sector(
        "商场超市", 3, ("亳州市商务局",), ("商贸", "超市"), ("货架超高堆放", "营业期间安全出口封闭")
    ),
    _Sector(
        "医疗卫生",
        2,
        ("亳州市卫生健康委",),
        ("医院", "康复"),
        ("医用氧气瓶存放不规范", "病房楼消防设施损坏"),
    ),
    _Sector(
        "自建房",
        1,
        ("亳州市住房城乡建设局",),
        ("房屋租赁",),
        ("经营性自建房结构安全隐患", "违规加层改建"),
    ),
    _Sector(
        "铁路沿线",
        1,
        ("亳州市交通运输局", "亳州市公安局"),
        ("物流",),
        ("铁路沿线违规堆放易燃物", "铁路桥下违规施工"),
    ),
    _Sector(
        "水利",
        1,
        ("亳州市水利局",),
        ("水利工程",),
        ("闸站启闭设备故障", "堤防工程施工安全措施缺失"),
    ),
)

# (region as labelled, GB/T 2260 division for credit codes, government, weight)
_REGIONS = (
    ("谯城区", "341602", "谯城区人民政府", 30),
    ("涡阳县", "341621", "涡阳县人民政府", 22),
    ("蒙城县", "341622", "蒙城县人民政府", 20),
    ("利辛县", "341623", "利辛县人民政府", 18),
    ("亳州高新区", "341600", "亳州高新区管委会", 6),
    ("亳芜现代产业园区", "341600", "亳芜现代产业园区管委会", 4),
    ("亳州市", "341600", "亳州市人民政府", 3),
)
_CITY_GOVERNMENT = "亳州市人民政府"
# English for the names of generated enterprises ("Qiaocheng Urban Gas Enterprise No. 0042
# (synthetic)"): every resource has a @zh and an @en label.
_SECTOR_EN = {
    "工贸企业": "Industry and Trade",
    "危化品": "Hazardous Chemicals",
    "建筑施工": "Building Construction",
    "城镇燃气": "Urban Gas",
    "消防": "Fire Safety",
    "道路运输": "Road Transport",
    "特种设备": "Special Equipment",
    "粉尘涉爆": "Combustible Dust",
    "烟花爆竹": "Fireworks",
    "商场超市": "Shopping Mall",
    "医疗卫生": "Health Care",
    "自建房": "Self-built Housing",
    "铁路沿线": "Railway Line",
    "水利": "Water Conservancy",
}
_REGION_EN = {
    "谯城区": "Qiaocheng",
    "涡阳县": "Guoyang",
    "蒙城县": "Mengcheng",
    "利辛县": "Lixin",
    "亳州高新区": "Bozhou High-tech Zone",
    "亳芜现代产业园区": "Bozhou-Wuhu Park",
    "亳州市": "Bozhou",
}
_YEAR_WEIGHTS = {2022: 0.16, 2023: 0.27, 2024: 0.25, 2025: 0.19, 2026: 0.13}
_WORDS = (
    "恒信 华宇 金泰 瑞丰 鑫源 宏达 永安 皖北 药都 涡河 汇通 华康 安泰 振兴 中联 德润 "
    "嘉禾 兴旺 盛世 天成 广源 东方 新华 利民 正和 国泰 华盛 长兴 丰源 顺达 博远 众诚 "
    "鼎盛 和润 锦程 宏远 祥瑞 通达 益民 康宁 凯旋 明珠 龙腾 金鼎 万通 华兴 亳泰 蒙华"
).split()
_SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
    "曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
_GIVEN = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华建国新文辉志红海鹏斌宇浩凯俊峰鑫波")
_ENDINGS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
_CHANNELS = (("企业自查上报", 45), ("督导检查发现", 45), ("群众举报查实", 10))
_MAJOR_DAYS = (30, 45, 60, 90, 120, 180)
_GENERAL_DAYS = (7, 15, 30, 45, 60)


@dataclass
class GenerateReport:
    path: str
    enterprises: int
    hazards: int
    rows: int
    seed: int
    as_of: dt.date
    closed: int = 0
    open: int = 0
    overdue: int = 0


@dataclass
class _Ent:
    code: str
    name: str
    sector: int
    region: int
    principal: str
    controller: str
    name_en: str


def _person(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _enterprises(rng: random.Random, n: int) -> list[_Ent]:
    sector_cum = _cumulative([s.weight for s in _SECTORS])
    region_cum = _cumulative([r[3] for r in _REGIONS])
    bodies: set[str] = set()
    names: set[str] = set()
    out = []
    for _ in range(n):
        sector = _pick(rng, sector_cum)
        region = _pick(rng, region_cum)
        body = f"{rng.randrange(10**8):08d}"
        while body in bodies:
            body = f"{rng.randrange(10**8):08d}"
        bodies.add(body)
        s, r = _SECTORS[sector], _REGIONS[region]
        place = r[0] if r[0] != "亳州市" else "亳州"
        for attempt in itertools.count():
            words = rng.choice(_WORDS) + (rng.choice(_WORDS) if attempt > 2 else "")
            name = f"{place}{words}{rng.choice(s.trades)}{rng.choice(_ENDINGS)}"
            if name not in names:
                break
        names.add(name)
        principal = _person(rng)
        controller = principal if rng.random() < 0.6 else _person(rng)
        name_en = (
            f"{_REGION_EN[r[0]]} {_SECTOR_EN[s.zh]} Enterprise No. {len(out) + 1:04d} (synthetic)"
        )
        out.append(
            _Ent(make_code(r[1], body), name, sector, region, principal, controller, name_en)
        )
    return out


def _day(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)


def generate(
    out: Path | str,
    *,
    enterprises: int = 300,
    hazards: int = 2000,
    seed: int = 0,
    as_of: dt.date = DEFAULT_AS_OF,
    progress: bool | None = None,
) -> GenerateReport:
    """Write a synthetic registry of ``enterprises`` and ``hazards`` to ``out`` (CSV, UTF-8).

    Deterministic for a given ``seed`` and ``as_of``. Returns counts of what
    was written, including how many hazards are closed, open and overdue on
    ``as_of``.
    """
    if enterprises < 1 or hazards < 0:
        raise ValueError("need at least one enterprise and no negative number of hazards")
    show = sys.stderr.isatty() if progress is None else progress
    rng = random.Random(seed)
    ents = _enterprises(rng, enterprises)
    # hazards per enterprise: a few enterprises have many (Pareto weights)
    ent_cum = _cumulative([rng.paretovariate(1.6) for _ in ents])
    years = [y for y in _YEAR_WEIGHTS if dt.date(y, 1, 1) <= as_of]
    year_cum = _cumulative([_YEAR_WEIGHTS[y] for y in years])
    draws: list[tuple[int, int]] = []
    for _ in range(hazards):
        year = years[_pick(rng, year_cum)]
        last = min(dt.date(year, 12, 31), as_of - dt.timedelta(days=1))
        first = dt.date(year, 1, 1)
        span = max((last - first).days, 0)
        draws.append(
            ((first - dt.date(2000, 1, 1)).days + rng.randint(0, span), _pick(rng, ent_cum))
        )
    draws.sort()

    report = GenerateReport(str(out), enterprises, hazards, 0, seed, as_of)
    header = [c.name for c in COLUMNS]
    seq: dict[int, int] = {}
    seen: set[int] = set()
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    epoch = dt.date(2000, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for day, ei in tqdm(draws, desc="generate", unit=" hazards", disable=not show):
            ent = ents[ei]
            discovered = _day(epoch, day)
            seq[discovered.year] = seq.get(discovered.year, 0) + 1
            hid = f"H-{discovered.year}-{seq[discovered.year]:04d}"
            row = _hazard_row(rng, ent, hid, discovered, as_of, report)
            row |= _enterprise_cells(ent, full=ei not in seen)
            seen.add(ei)
            writer.writerow([row.get(h, "") for h in header])
            report.rows += 1
        for ei, ent in enumerate(ents):
            if ei not in seen:
                writer.writerow([_enterprise_cells(ent, full=True).get(h, "") for h in header])
                report.rows += 1
    return report


def _enterprise_cells(ent: _Ent, full: bool) -> dict[str, str]:
    cells = {"credit_code": ent.code, "enterprise_name": ent.name, "synthetic": "true"}
    if full:
        cells |= {
            "enterprise_sectors": _SECTORS[ent.sector].zh,
            "enterprise_region": _REGIONS[ent.region][0],
            "principal": ent.principal,
            "actual_controller": ent.controller,
            "enterprise_name_en": ent.name_en,
        }
    return cells


def _hazard_row(
    rng: random.Random,
    ent: _Ent,
    hid: str,
    discovered: dt.date,
    as_of: dt.date,
    report: GenerateReport,
) -> dict[str, str]:
    sector = _SECTORS[ent.sector]
    region = _REGIONS[ent.region]
    major = rng.random() < 0.3
    deadline = _day(discovered, rng.choice(_MAJOR_DAYS if major else _GENERAL_DAYS))
    outcome = rng.random()
    if outcome < 0.025:
        close: dt.date | None = None  # stuck: never rectified
    elif outcome < 0.185:
        close = _day(deadline, 1 + min(int(rng.expovariate(1 / 25)), 400))
    else:
        close = _day(discovered, rng.randint(3, max((deadline - discovered).days, 3)))
    if close is not None and close > as_of:
        close = None
    rectifying = min(_day(discovered, rng.randint(0, 5)), as_of)
    row = {
        "hazard_id": hid,
        "description": rng.choice(sector.hazards),
        "major": "是" if major else "否",
        "discovered_on": discovered.isoformat(),
        "channel": rng.choices([c for c, _ in _CHANNELS], [w for _, w in _CHANNELS])[0],
        "rectification_deadline": deadline.isoformat(),
    }
    governments = [region[2]] + ([_CITY_GOVERNMENT] if region[2] != _CITY_GOVERNMENT else [])
    if close is not None:
        rectifying = min(rectifying, close)
        rectified = max(_day(close, -rng.randint(0, 7)), rectifying)
        reviewer = (
            rng.choice(sector.leads) if sector.leads and rng.random() < 0.9 else governments[0]
        )
        row |= {
            "status": "已销号",
            "rectifying_on": rectifying.isoformat(),
            "rectified_on": rectified.isoformat(),
            "closed_on": close.isoformat(),
            "reviewed_by": reviewer,
        }
        report.closed += 1
    else:
        report.open += 1
        if deadline < as_of:
            report.overdue += 1
        progress = (as_of - discovered).days / max((deadline - discovered).days, 1)
        roll = rng.random()
        if roll < 0.12 or (progress < 0.1 and roll < 0.5):
            row["status"] = "已登记"
        elif progress > 0.8 and roll > 0.75:
            row |= {
                "status": "已整改待销号",
                "rectifying_on": rectifying.isoformat(),
                "rectified_on": max(_day(as_of, -rng.randint(0, 5)), rectifying).isoformat(),
            }
        else:
            row |= {"status": "整改中", "rectifying_on": rectifying.isoformat()}
    # escalations on the ladder's thresholds while the hazard was overdue
    until = min(close or as_of, as_of)
    escalations = []
    for rung, threshold in zip(LADDER, LADDER_THRESHOLDS, strict=True):
        on = _day(deadline, threshold + rng.randint(0, 10))
        if on >= until or rng.random() > 0.6:
            break
        by = (
            (sector.leads[0] if sector.leads else governments[0])
            if rung.order <= 2
            else governments[0]
        )
        escalations.append(f"{rung.zh}@{on.isoformat()}@{by}")
    if escalations:
        row["escalations"] = "; ".join(escalations)
    late = (until - deadline).days
    if major and late > 30 and rng.random() < 0.3:
        listed = min(_day(deadline, rng.randint(1, 30)), until)
        row |= {
            "listed_by": governments[1]
            if len(governments) > 1 and rng.random() < 0.2
            else governments[0],
            "listed_on": max(listed, discovered).isoformat(),
        }
    return row
