"""Test data with random identities, so tests never depend on each other's records."""

import random
import secrets
import struct
import zlib
from datetime import datetime, timedelta, timezone

from services.kit.pure.clock import Clock
from services.kit.pure.uscc import with_check_character

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# On-site enforcement needs two officers (行政处罚法 Art. 42): the caller and this one.
SECOND_OFFICER = "inspector-zhang"


def new_uscc(region="620722"):
    return with_check_character(
        "91" + region + "".join(random.choice(ORG_ALPHABET) for _ in range(9))
    )


def enterprise(**overrides):
    region = overrides.get("region_code", "620722")
    body = {
        "uscc": new_uscc(region),
        "name": f"测试机械制造有限公司{secrets.token_hex(3)}",
        "region_code": region,
        "address": "民乐县工业园区8号",
        "industry": "machinery",
        "above_scale": True,
        "risk_features": ["dust_explosion"],
        "principal": {"name": "王伟", "phone": "13800000000"},
        "safety_manager": {"name": "李娜", "phone": "13900000000"},
        "standardization": {"grade": 3, "graded_on": "2024-05-01"},
    }
    body.update(overrides)
    return body


def china_today():
    """Deadlines are calendar days in China, whatever the machine's time zone."""
    return Clock().today()


def day(offset):
    """The calendar day `offset` days from today, as the API writes it."""
    return (china_today() + timedelta(days=offset)).isoformat()


def general_finding(description="车间地面积尘未及时清理"):
    """A finding that makes a general hazard, due in a month."""
    return {"description": description, "deadline": day(30)}


def accident(uscc, **overrides):
    """An accident report of two hours ago: one serious and two minor injuries."""
    occurred = datetime.now(timezone.utc) - timedelta(hours=2)
    return {
        "uscc": uscc,
        "occurred_at": occurred.isoformat(),
        "place": "冲压车间",
        "accident_type": "machinery",
        "deaths": 0,
        "missing": 0,
        "serious_injuries": 1,
        "minor_injuries": 2,
        "direct_loss_yuan": 120000,
        "summary": "冲床伤手",
        **overrides,
    }


def self_inspection(**overrides):
    """A principal-led self-inspection report of today that found nothing."""
    return {
        "performed_on": day(0),
        "led_by_principal": True,
        "leader": "王伟",
        "content": "主要负责人带队月度检查",
        **overrides,
    }


def png(seed=0):
    """A real, tiny PNG photo; another seed, other bytes."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00" + bytes([seed % 256, 80, 120])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def id_number(born=None):
    """A valid 居民身份证 number: born in 永登县 (a code valid in every year), random otherwise."""
    from stdnum.cn import ric

    born = (
        born
        or f"{random.randint(1965, 2000)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    )
    first = f"620121{born}{random.randint(0, 999):03d}"
    return first + ric.calc_check_digit(first + "0")


def staff_member(**overrides):
    """A person's registration body: a welder (special operator) unless overridden."""
    return {
        "id_number": id_number(),
        "name": f"张{secrets.choice('伟敏静强磊军洋')}",
        "phone": "13800000000",
        "positions": [{"position": "special_operator", "categories": ["welding_cutting"]}],
        **overrides,
    }


def certificate_body(person_id, **overrides):
    """A welding certificate's body (特种作业操作证), issued 400 days ago, with a fresh number;
    an override of None leaves the field out."""
    body = {
        "person_id": person_id,
        "kind": "special_operation",
        "category": "welding_cutting",
        "number": f"T{id_number()}",
        "issuer": "张掖市应急管理局",
        "issued_on": day(-400),
        **overrides,
    }
    return {key: value for key, value in body.items() if value is not None}


def session_body(person_ids, **overrides):
    """An 8-hour annual refresher held today for `person_ids`."""
    return {
        "topic": "年度安全生产再培训",
        "kind": "annual_refresher",
        "held_on": day(0),
        "hours": 8,
        "trainer": "市安全生产培训中心",
        "participants": list(person_ids),
        **overrides,
    }


def space_body(**overrides):
    """A sewage pit where hydrogen sulphide may gather (toxic gas: the principal approves)."""
    return {
        "number": f"CS-{secrets.token_hex(3)}",
        "name": "污水处理池",
        "location": "厂区东侧污水站",
        "kind": "pool",
        "hazards": ["h2s", "oxygen_deficiency"],
        "isolation": "fenced",
        **overrides,
    }


def permit_body(space_id, approver, guardian, entrants, rescuers, **overrides):
    """Work from now for four hours."""
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    return {
        "space_id": space_id,
        "purpose": "清理污水池底部淤泥",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=4)).isoformat(),
        "approver": approver,
        "guardian": guardian,
        "entrants": list(entrants),
        "rescuers": list(rescuers),
        **overrides,
    }


def gas_readings(**overrides):
    """A passing test of a hydrogen-sulphide space: oxygen normal, H2S at 2 ppm (2.79 mg/m³)."""
    return {
        "tester": "赵检测",
        "instrument": "四合一气体检测仪 MX4",
        "readings": [
            {"gas": "o2", "value": 20.9, "unit": "%vol"},
            {"gas": "h2s", "value": 2, "unit": "ppm"},
        ],
        **overrides,
    }


def risk_point(**overrides):
    """A red (major) risk point with its control measures, complete: D = 6 × 6 × 15 = 540."""
    return {
        "name": "干式除尘器",
        "kind": "equipment",
        "hazard_types": ["other_explosion", "fire"],
        "assessment": {"method": "lec", "l": 6, "e": 6, "c": 15},
        "measures": ["每班清灰并记录", "泄爆片每月检查", "火花探测装置联锁"],
        "responsible_person": "李强",
        "control_level": "company",
        **overrides,
    }


def emergency_plan(**overrides):
    return {
        "kind": "comprehensive",
        "title": "生产安全事故综合应急预案",
        "drafted_on": day(0),
        **overrides,
    }


def drill(**overrides):
    """A tabletop drill led by the principal today, with one follow-up action."""
    return {
        "kind": "tabletop",
        "held_on": day(0),
        "scenario": "除尘器粉尘爆炸",
        "participants": 18,
        "leader": {"name": "张建国", "role": "principal"},
        "evaluation": "响应及时，疏散路线需调整",
        "follow_ups": [{"action": "修订疏散路线图", "responsible": "王伟", "deadline": day(30)}],
        **overrides,
    }
