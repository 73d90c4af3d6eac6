"""Demo data: Zhangye city (620700), its six counties, a few hundred synthetic enterprises.

Deterministic (fixed seed), so every machine shows the same demo and seeding twice changes nothing.
"""

import random
from datetime import date, timedelta

from services.kit.pure import regions, uscc
from services.kit.pure.vocabulary import INDUSTRIES

CITY = "620700"
SEED = 2024
ENTERPRISES_PER_COUNTY = {
    "620702": 90,
    "620721": 25,
    "620722": 60,
    "620723": 40,
    "620724": 40,
    "620725": 45,
}
INDUSTRY_WORDS = {
    "metallurgy": "冶金",
    "nonferrous": "有色金属",
    "building_materials": "建材",
    "machinery": "机械制造",
    "light_industry": "食品",
    "textile": "纺织",
    "tobacco": "烟叶复烤",
    "commerce": "商贸",
}
# Risk features that fit each industry, so the demo looks like a real county.
LIKELY_RISKS = {
    "metallurgy": ("metal_smelting", "confined_space", "maintenance_work", "outsourced_work"),
    "nonferrous": ("metal_smelting", "dust_explosion", "confined_space", "maintenance_work"),
    "building_materials": ("dust_explosion", "confined_space", "maintenance_work"),
    "machinery": ("dust_explosion", "maintenance_work", "outsourced_work"),
    "light_industry": (
        "ammonia_refrigeration",
        "alcohol_storage",
        "confined_space",
        "dust_explosion",
    ),
    "textile": ("dust_explosion", "maintenance_work"),
    "tobacco": ("dust_explosion", "confined_space"),
    "commerce": ("ammonia_refrigeration", "outsourced_work"),
}
NAME_PARTS = (
    "祁连 丹霞 黑河 金张掖 湿地 焉支 马蹄 甘泉 绿洲 永固 兴隆 昌盛 鑫源 宏达 瑞丰 天和".split()
)
SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 马 朱 胡 郭".split()
GIVEN = "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚".split()
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DEMO_USERS = (
    ("admin", "admin", regions.NATIONWIDE),
    ("zhangye", "regulator", CITY),
    ("minle", "regulator", "620722"),
    ("ganzhou", "regulator", "620702"),
    ("inspector-minle", "inspector", "620722"),
    ("auditor", "auditor", CITY),
)
ENTERPRISE_USERS_REGION = "620722"


def _person(rng):
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        "phone": "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9)),
    }


def synthetic_enterprise(rng, county, code, name_suffix):
    """One plausible enterprise of `county`, drawn from `rng`, with the given USCC."""
    county_name = regions.lookup(county).name
    industry = rng.choice(INDUSTRIES)
    likely = LIKELY_RISKS[industry]
    enterprise = {
        "uscc": code(rng, county) if callable(code) else code,
        "risk_features": sorted(rng.sample(likely, rng.randint(0, len(likely)))),
        "name": f"{county_name}{rng.choice(NAME_PARTS)}{INDUSTRY_WORDS[industry]}{name_suffix}",
        "region_code": county,
        "address": f"甘肃省张掖市{county_name}工业园区{rng.randint(1, 99)}号",
        "industry": industry,
        "above_scale": rng.random() < 0.4,
        "principal": _person(rng),
        "safety_manager": _person(rng),
    }
    if rng.random() < 0.6:
        year = rng.randint(2021, 2025)
        enterprise["standardization"] = {
            "grade": rng.choice((2, 3, 3, 3)),
            "graded_on": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
    return enterprise


def _random_code(rng, county):
    return uscc.with_check_character(
        "91" + county + "".join(rng.choice(ORG_ALPHABET) for _ in range(9))
    )


def enterprises():
    """Create payloads for every demo enterprise, in a stable order."""
    rng = random.Random(SEED)
    return [
        synthetic_enterprise(
            rng,
            county,
            _random_code,
            f"{'有限公司' if number % 3 else '有限责任公司'}{number + 1:03d}",
        )
        for county, count in ENTERPRISES_PER_COUNTY.items()
        for number in range(count)
    ]


def users():
    """(username, role, region scope, uscc) for every demo login."""
    accounts = [(name, role, scope, None) for name, role, scope in DEMO_USERS]
    accounts += [
        (e["uscc"], "enterprise", e["region_code"], e["uscc"])
        for e in enterprises()
        if e["region_code"] == ENTERPRISE_USERS_REGION
    ]
    return accounts


# --- training: people, certificates and sessions of the demo enterprises --------------------

# A county code valid in every year of birth (python-stdnum checks the place against the year).
BIRTH_PLACE = "620121"
TRAINING_SEED = 2025
OPERATION_CATEGORIES = ("electrical", "welding_cutting", "work_at_height", "refrigeration")
ISSUERS = "张掖市应急管理局"


def id_number(rng):
    """A valid 居民身份证 number of someone born 1965-2000 (demo people only)."""
    from stdnum.cn import ric

    first = (
        f"{BIRTH_PLACE}{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    )
    return first + ric.calc_check_digit(first + "0")


def _ago(today, days):
    return (today - timedelta(days=days)).isoformat()


def training_rows(today):
    """Ledger rows for the demo enterprises of ENTERPRISE_USERS_REGION: their principal and
    safety manager with management certificates, and special operators whose certificates are
    valid, due for review soon, or overdue, so reminders and indicators show something real."""
    rng = random.Random(TRAINING_SEED)
    rows = []
    for enterprise in enterprises():
        if enterprise["region_code"] != ENTERPRISE_USERS_REGION:
            continue
        employer = enterprise["uscc"]
        people = [
            ("principal", enterprise["principal"]["name"], None),
            ("safety_manager", enterprise["safety_manager"]["name"], None),
        ]
        people += [
            ("special_operator", _person(rng)["name"], rng.choice(OPERATION_CATEGORIES))
            for _ in range(rng.randint(1, 3))
        ]
        people.append(("team_leader", _person(rng)["name"], None))
        for position, name, category in people:
            row = {
                "id_number": id_number(rng),
                "name": name,
                "uscc": employer,
                "position": position,
                "hired_on": _ago(today, rng.randint(400, 4000)),
            }
            if category:
                # Most in good order; some inside the review window, some overdue.
                due_in = rng.choice((400, 600, 800, 25, 45, -20))
                review_due = today + timedelta(days=due_in)
                row.update(
                    categories=[category],
                    kind="special_operation",
                    category=category,
                    issuer=ISSUERS,
                    review_due_on=review_due.isoformat(),
                    issued_on=(review_due - timedelta(days=3 * 365)).isoformat(),
                )
            elif position != "team_leader" and rng.random() < 0.85:
                row.update(
                    kind="management_competence",
                    issued_on=_ago(today, rng.randint(30, 900)),
                    issuer=ISSUERS,
                )
            if "kind" in row:
                row["number"] = f"T{rng.randint(10**9, 10**10 - 1)}"
            rows.append({"row": len(rows) + 2, "fields": row})
    return rows


def training_sessions(today, staff):
    """One annual refresher per demo enterprise for its staff, held last month; the team
    leaders' training for some. `staff` maps a USCC to [(person id, position)]."""
    rng = random.Random(TRAINING_SEED)
    sessions = []
    for employer, people in sorted(staff.items()):
        held = _ago(today, rng.randint(20, 60))
        sessions.append(
            (
                {
                    "uscc": employer,
                    "topic": "年度安全生产再培训",
                    "kind": "annual_refresher",
                    "held_on": held,
                    "hours": float(rng.choice((8, 12, 16))),
                    "trainer": "市安全生产培训中心",
                    "participants": [person for person, _ in people],
                },
                "passed",
            )
        )
        leaders = [person for person, position in people if position == "team_leader"]
        if leaders and rng.random() < 0.6:
            sessions.append(
                (
                    {
                        "uscc": employer,
                        "topic": "班组长安全培训",
                        "kind": "team_leader",
                        "held_on": held,
                        "hours": 8.0,
                        "trainer": "市安全生产培训中心",
                        "participants": leaders,
                    },
                    "passed",
                )
            )
    return sessions


# --- permits: confined spaces, crews and permits of the demo enterprises --------------------

PERMITS_SEED = 2026
# Demo enterprises (of ENTERPRISE_USERS_REGION, flagged confined_space) given spaces; the rest
# of the flagged ones stay without, so the ledger rate has something to show.
ENTERPRISES_WITH_SPACES = 6
SPACE_KINDS = (
    ("pool", "污水处理池", ["h2s", "oxygen_deficiency"]),
    ("tank", "原料储罐", ["co2", "oxygen_deficiency", "flammable"]),
    ("silo", "料仓", ["engulfment", "oxygen_deficiency"]),
    ("flue", "烟道", ["co", "heat"]),
    ("sewer", "排水井", ["h2s", "drowning"]),
)
CREW = (
    ("principal", "confined_space_approver"),
    ("confined_space_guardian",),
    ("confined_space_entrant",),
    ("confined_space_entrant",),
    ("confined_space_rescuer",),
)
# The state each demo enterprise's first permit is taken to, in order.
PERMIT_STATES = ("finished", "in_progress", "approved", "submitted", "draft", "interrupted")


def confined_space_enterprises():
    """The demo enterprises that get confined spaces on file."""
    flagged = [
        enterprise
        for enterprise in enterprises()
        if enterprise["region_code"] == ENTERPRISE_USERS_REGION
        and "confined_space" in enterprise["risk_features"]
    ]
    return flagged[:ENTERPRISES_WITH_SPACES]


def confined_space_crew(enterprise):
    """Person bodies of an enterprise's confined-space crew: its principal (who approves) first."""
    rng = random.Random(f"{PERMITS_SEED}-{enterprise['uscc']}")
    crew = []
    for index, positions in enumerate(CREW):
        name = enterprise["principal"]["name"] if index == 0 else _person(rng)["name"]
        crew.append(
            {
                "uscc": enterprise["uscc"],
                "id_number": id_number(rng),
                "name": name,
                "phone": _person(rng)["phone"],
                "positions": [{"position": position} for position in positions],
            }
        )
    return crew


def spaces(enterprise):
    """Two or three spaces of an enterprise; the first has its warning sign, the others may
    not."""
    rng = random.Random(f"{PERMITS_SEED}-spaces-{enterprise['uscc']}")
    chosen = rng.sample(SPACE_KINDS, rng.randint(2, 3))
    return [
        (
            {
                "uscc": enterprise["uscc"],
                "number": f"YXKJ-{index + 1:02d}",
                "name": name,
                "location": f"厂区{rng.choice('东南西北')}侧{rng.randint(1, 9)}号",
                "kind": kind,
                "hazards": hazards,
                "isolation": rng.choice(("locked", "fenced")),
            },
            index == 0 or rng.random() < 0.4,
        )
        for index, (kind, name, hazards) in enumerate(chosen)
    ]


def gas_test(space):
    """A passing test of every gas the space's hazards call for."""
    readings = [{"gas": "o2", "value": 20.8, "unit": "%vol"}]
    typical = {
        "h2s": (1.5, "ppm"),
        "co": (4.0, "ppm"),
        "co2": (1200.0, "mg/m3"),
        "nh3": (3.0, "ppm"),
        "lel": (2.0, "%LEL"),
    }
    for hazard in space["hazards"]:
        if hazard in typical:
            value, unit = typical[hazard]
            readings.append({"gas": hazard, "value": value, "unit": unit})
    return {"tester": "安全员", "instrument": "四合一气体检测仪", "readings": readings}


# --- credit: a few untrustworthy-list cases of 民乐县 ------------------------------------------

CREDIT_COUNTY = "620722"


def credit_cases():
    """[(case body, outcome)]: cases opened by hand about the first demo enterprises of 民乐县,
    one dismissed and the others published, so the list and its public page show something."""
    county = [e for e in enterprises() if e["region_code"] == CREDIT_COUNTY][:3]
    outcomes = ("list", "list", "dismiss")
    return [
        (
            {
                "uscc": enterprise["uscc"],
                "rule": "other_by_law",
                "legal_basis": "应急管理部令第11号第五条第（八）项",
                "records": [f"民应急罚〔2026〕{number}号"],
                "authority": CREDIT_COUNTY,
            },
            outcome,
        )
        for number, (enterprise, outcome) in enumerate(zip(county, outcomes, strict=True), 1)
    ]


# --- construction projects (三同时) and standardization re-assessments -----------------------

PROJECT_SEED = 13
PROJECT_WORDS = ("生产线技术改造项目", "扩建项目", "新建车间项目", "环保升级改造项目")
SMELTING_STAGES = ("pre_evaluation", "design_review", "construction", "trial_run", "acceptance")
OTHER_STAGES = ("safety_analysis", "construction", "acceptance")


def _day(today, days_ago):
    return (today - timedelta(days=days_ago)).isoformat()


def projects(today):
    """About one construction project per eight demo enterprises: (create body, stage bodies).
    Some are accepted this year, some under
    way, some behind their plan (overdue), one metal-smelting design review rejected first."""
    rng = random.Random(PROJECT_SEED)
    # Acceptances fall in the current year, however early in it today is.
    this_year = (today - today.replace(month=1, day=1)).days
    chosen = []
    for enterprise in enterprises():
        if rng.random() >= 0.125:
            continue
        smelting = "metal_smelting" in enterprise["risk_features"]
        stages = SMELTING_STAGES if smelting else OTHER_STAGES
        accepted_ago = rng.randint(0, min(this_year, 150))
        done = len(stages) if rng.random() < 0.5 else rng.randint(0, len(stages) - 1)
        behind = done < len(stages) and rng.random() < 0.3
        # Stage dates run back from the acceptance (or from today), oldest first.
        days_ago = [accepted_ago + 15 * (len(stages) - 1 - n) for n in range(len(stages))]
        if "trial_run" in stages:
            days_ago = [
                ago + (90 if n < stages.index("trial_run") + 1 else 0)
                for n, ago in enumerate(days_ago)
            ]
        if done < len(stages):
            # The next stage is planned ahead, or (behind its plan) due before today.
            shift = days_ago[done] - (30 if behind else -10)
            days_ago = [ago - shift for ago in days_ago]
        planned = {
            stage: _day(today, ago - 10) for stage, ago in zip(stages, days_ago, strict=True)
        }
        body = {
            "uscc": enterprise["uscc"],
            "name": enterprise["name"][:-3] + rng.choice(PROJECT_WORDS),
            "kind": rng.choice(("new", "extension", "renovation")),
            "metal_smelting": smelting,
            "planned": planned,
        }
        recorded = []
        for stage, ago in list(zip(stages, days_ago, strict=True))[:done]:
            entry = {"stage": stage, "on": _day(today, ago)}
            if stage == "design_review":
                if rng.random() < 0.3:
                    recorded.append(
                        {**entry, "outcome": "rejected", "reasons": "安全设施设计专篇不完整"}
                    )
                entry["outcome"] = "approved"
            if stage == "trial_run":
                entry["ends_on"] = _day(today, ago - 90)
            recorded.append(entry)
        chosen.append((body, recorded))
    return chosen


def reassessments(today):
    """(uscc, grade body) for most demo enterprises whose grade expired or is due for
    re-assessment: the new grade awarded before, or after, the old one expired."""
    rng = random.Random(PROJECT_SEED + 1)
    regraded = []
    for enterprise in enterprises():
        grade = enterprise.get("standardization")
        if not grade or rng.random() < 0.3:
            continue
        graded = date.fromisoformat(grade["graded_on"])
        expires = graded.replace(year=graded.year + 3, day=min(graded.day, 28))
        awarded = expires + timedelta(days=rng.choice((-40, -20, -5, 15)))
        if expires - timedelta(days=90) <= today and awarded <= today:
            regraded.append(
                (enterprise["uscc"], {"grade": grade["grade"], "graded_on": awarded.isoformat()})
            )
    return regraded


# --- dual prevention and preparedness: risk registers, self-inspections, plans, drills -------

PREPAREDNESS_SEED = 2026
PREPAREDNESS_COUNTIES = (ENTERPRISE_USERS_REGION,)
RISK_POINTS = (
    # name, kind, GB 6441 types, matrix likelihood and severity, measures
    ("除尘系统", "equipment", ["other_explosion", "fire"], 4, 5, ["每班清灰", "泄爆装置每月检查"]),
    ("有限空间作业", "activity", ["poisoning_asphyxiation"], 3, 5, ["作业审批", "先检测后作业"]),
    ("配电室", "place", ["electric_shock", "fire"], 2, 4, ["持证上岗", "绝缘用具定期检验"]),
    ("行车吊装", "equipment", ["lifting"], 3, 4, ["吊具每日点检"]),
    ("叉车作业", "activity", ["vehicle"], 2, 3, ["限速", "专人指挥"]),
    ("冲压设备", "equipment", ["machinery"], 3, 3, ["双手按钮", "光电保护"]),
)
CONTROL_LEVELS = ("company", "workshop", "team")


def _in_year(rng, today, latest_days_ago=200):
    """A day of this year up to `latest_days_ago` days back, never in the future."""
    back = min(today.timetuple().tm_yday - 1, latest_days_ago)
    return (today - timedelta(days=rng.randint(0, back))).isoformat()


def preparedness(today):
    """What the demo enterprises of PREPAREDNESS_COUNTIES recorded: for each, its risk points
    (as rows of a risk register file),
    the day it reviewed its register (or None), a self-inspection day this year (or None), an
    emergency plan and whether the county filed it, and its principal-led drills. Most are in
    good order, some not, so the dual-prevention and preparedness rates show something real."""
    rng = random.Random(PREPAREDNESS_SEED)
    first_half_over = today.month > 6
    records = []
    for enterprise in enterprises():
        if enterprise["region_code"] not in PREPAREDNESS_COUNTIES:
            continue
        leader = enterprise["principal"]["name"]
        points = [
            {
                "uscc": enterprise["uscc"],
                "name": name,
                "kind": kind,
                "hazard_types": types,
                # A row of a risk register file: the matrix score's factors in their columns.
                "method": "ls",
                "likelihood": likelihood,
                "severity": severity,
                "measures": list(measures),
                "responsible_person": leader,
                "control_level": rng.choice(CONTROL_LEVELS),
            }
            for name, kind, types, likelihood, severity, measures in rng.sample(
                RISK_POINTS, rng.randint(2, 4)
            )
        ]
        drills = []
        if first_half_over and rng.random() < 0.7:
            drills.append(f"{today.year}-{rng.randint(3, 6):02d}-{rng.randint(1, 28):02d}")
        if rng.random() < 0.6:
            drills.append(_in_year(rng, today, 90))
        records.append(
            {
                "uscc": enterprise["uscc"],
                "leader": leader,
                "risk_points": points if rng.random() < 0.85 else [],
                "reviewed_on": _in_year(rng, today) if rng.random() < 0.75 else None,
                "self_inspected_on": _in_year(rng, today) if rng.random() < 0.8 else None,
                "plan_drafted_on": _ago(today, rng.randint(120, 400)),
                "plan_filed": rng.random() < 0.65,
                "drills": drills,
            }
        )
    return records


# --- risk monitoring --------------------------------------------------------------------------

ENTERPRISES_MONITORED = 4
# The points a device of an enterprise with each risk feature carries: (kind, name).
MONITORED_POINTS = {
    "dust_explosion": (
        ("dust_removal_pressure_differential", "1号除尘器压差"),
        ("silo_temperature", "除尘器灰斗温度"),
    ),
    "metal_smelting": (
        ("furnace_cooling_water_flow", "1号炉冷却水流量"),
        ("co_concentration", "煤气区域一氧化碳"),
    ),
    "ammonia_refrigeration": (
        ("nh3_concentration", "制冷机房氨气浓度"),
        ("ammonia_system_pressure", "高压侧压力"),
    ),
    "alcohol_storage": (("flammable_vapour", "酒精库可燃气体"),),
}
# The faults the demo shows, by enterprise in order: the first one's first point drifts past
# high-high (an alarm the county sees), another's sensor sticks, another's spikes once.
MONITORING_FAULTS = ("drift", "stuck", "spike", "none")


def monitored_enterprises():
    """The demo enterprises of 民乐县 with sensors on site: one with dust explosion risk first."""
    flagged = [
        enterprise
        for enterprise in enterprises()
        if enterprise["region_code"] == ENTERPRISE_USERS_REGION
        and set(enterprise["risk_features"]) & set(MONITORED_POINTS)
    ]
    flagged.sort(key=lambda enterprise: "dust_explosion" not in enterprise["risk_features"])
    return flagged[:ENTERPRISES_MONITORED]


def monitoring_points(enterprise, index):
    """[(point body without its device, the fault its stream shows)] of an enterprise's device."""
    fault = MONITORING_FAULTS[index % len(MONITORING_FAULTS)]
    points = [
        {"name": name, "kind": kind, "location": "生产车间"}
        for feature in enterprise["risk_features"]
        for kind, name in MONITORED_POINTS.get(feature, ())
    ]
    return [(body, fault if position == 0 else "none") for position, body in enumerate(points)]
