"""Demo data: Zhangye city (620700), its six counties, a few hundred synthetic enterprises.

Deterministic (fixed seed), so every machine shows the same demo and seeding twice changes nothing.
"""

import random

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
