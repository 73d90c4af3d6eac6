"""The registry end to end: HTTP → gateway → RPC → MongoDB → event seen by an external consumer."""

import io
import json

import openpyxl
import pytest

from tests.support.events import EventTap
from tests.support.factories import enterprise, new_uscc


@pytest.fixture
def tap(broker):
    consumer = EventTap(broker.amqp_uri, "registry.events", "cn.anjian.registry.#")
    yield consumer
    consumer.close()


def register(api, **overrides):
    body = enterprise(**overrides)
    reply = api.post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_registered_enterprise_is_readable_and_announced(sign_in, tap):
    minle = sign_in("minle")
    body = enterprise()
    reply = minle.post("/api/v1/enterprises", json=body)
    assert reply.status_code == 201, reply.text
    assert reply.headers["Location"] == f"/api/v1/enterprises/{body['uscc']}"
    created = reply.json()
    assert created["status"] == "operating"
    assert created["standardization"]["expires_on"] == "2027-05-01"
    assert created["standardization"]["review_due_on"] == "2027-01-31"
    assert created["created_at"].endswith("Z")

    fetched = minle.get(f"/api/v1/enterprises/{body['uscc']}").json()
    assert fetched["name"] == body["name"]
    assert fetched["principal"] == body["principal"]

    event = tap.wait_for(lambda e: e["subject"] == body["uscc"])
    assert event["type"] == "cn.anjian.registry.enterprise.registered.v1"
    assert event["routing_key"] == event["type"]
    assert event["specversion"] == "1.0"
    assert event["regioncode"] == "620722"
    assert event["source"] == "/anjian/registry"
    assert event["data"]["name"] == body["name"]


def test_public_exchange_carries_every_service_event(sign_in, broker):
    public = EventTap(broker.amqp_uri, "anjian.events")
    try:
        created = register(sign_in("minle"))
        event = public.wait_for(lambda e: e["subject"] == created["uscc"])
        assert event["type"] == "cn.anjian.registry.enterprise.registered.v1"
    finally:
        public.close()


def test_update_and_status_change_are_audited_and_announced(sign_in, tap):
    minle = sign_in("minle")
    created = register(minle)
    path = f"/api/v1/enterprises/{created['uscc']}"

    reply = minle.patch(
        path,
        json={
            "name": "民乐县新名称机械有限公司",
            "risk_features": ["confined_space", "dust_explosion"],
        },
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["name"] == "民乐县新名称机械有限公司"
    updated = tap.wait_for(
        lambda e: e["subject"] == created["uscc"] and e["type"].endswith("enterprise.updated.v1")
    )
    assert updated["data"]["changed"] == ["name", "risk_features"]

    reply = minle.post(
        path + "/status",
        json={"status": "suspended", "reason": "停产整顿", "effective_on": "2026-11-01"},
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "suspended"
    assert reply.json()["status_history"][-1] == {
        "status": "suspended",
        "reason": "停产整顿",
        "effective_on": "2026-11-01",
    }
    changed = tap.wait_for(
        lambda e: (
            e["subject"] == created["uscc"] and e["type"].endswith("enterprise.status_changed.v1")
        )
    )
    assert changed["data"]["from"] == "operating" and changed["data"]["to"] == "suspended"

    trail = minle.get(path + "/history").json()
    assert [entry["action"] for entry in trail] == ["registered", "updated", "status_changed"]
    assert trail[1]["user_id"] == "minle"
    assert trail[1]["changes"]["name"] == {
        "from": created["name"],
        "to": "民乐县新名称机械有限公司",
    }


def test_closed_is_final(sign_in):
    minle = sign_in("minle")
    path = f"/api/v1/enterprises/{register(minle)['uscc']}/status"
    assert minle.post(path, json={"status": "closed", "reason": "注销"}).status_code == 200
    reply = minle.post(path, json={"status": "operating", "reason": "重新开业"})
    assert reply.status_code == 409
    assert reply.json()["code"] == "conflict"


def test_list_filters_paginates_stably_and_counts(sign_in):
    zhangye = sign_in("zhangye")
    marker = "分页测试" + new_uscc()[-6:]
    made = [
        register(
            zhangye,
            name=f"{marker}纺织有限公司{i}",
            industry="textile",
            region_code=("620723" if i % 2 else "620724"),
            risk_features=["dust_explosion"] if i < 3 else [],
        )
        for i in range(5)
    ]
    usccs = sorted(e["uscc"] for e in made)

    def pages():
        return [
            zhangye.get("/api/v1/enterprises", params={"q": marker, "page_size": 2, "page": page})
            for page in (1, 2, 3)
        ]

    first, second, third = pages()
    assert first.status_code == 200, first.text
    page1 = first.json()
    assert page1["page"] == 1 and page1["page_size"] == 2 and page1["total"] is None
    assert [page.json()["has_more"] for page in (first, second, third)] == [True, True, False]
    listed = [e["uscc"] for page in (first, second, third) for e in page.json()["items"]]
    assert sorted(listed) == usccs
    assert [e["uscc"] for page in pages() for e in page.json()["items"]] == listed
    assert json.loads(first.headers["X-Pagination"]) == {
        "page": 1,
        "page_size": 2,
        "has_more": True,
    }
    counted = zhangye.get(
        "/api/v1/enterprises", params={"q": marker, "page_size": 2, "with_total": "true"}
    )
    assert json.loads(counted.headers["X-Pagination"])["total"] == 5

    def count(**params):
        return zhangye.get(
            "/api/v1/enterprises", params={"q": marker, "with_total": "true", **params}
        ).json()["total"]

    assert count(region="620723") == 2
    assert count(region="6207") == 5
    assert count(region="620700") == 5  # a city's code stands for all its counties
    assert count(risk_feature="dust_explosion") == 3
    assert count(industry="tobacco") == 0
    assert count(status="operating") == 5


def test_jurisdiction_matrix(sign_in):
    zhangye = sign_in("zhangye")
    in_minle = register(zhangye, region_code="620722")
    in_ganzhou = register(zhangye, region_code="620702")
    read = {
        name: sign_in(name)
        for name in (
            "admin",
            "province",
            "zhangye",
            "minle",
            "ganzhou",
            "inspector-minle",
            "auditor",
        )
    }
    expected_reads = {
        "admin": (200, 200),
        "province": (200, 200),
        "zhangye": (200, 200),
        "minle": (200, 404),
        "ganzhou": (404, 200),
        "inspector-minle": (200, 404),
        "auditor": (200, 200),
    }
    for name, (minle_status, ganzhou_status) in expected_reads.items():
        api = read[name]
        assert api.get(f"/api/v1/enterprises/{in_minle['uscc']}").status_code == minle_status, name
        assert api.get(f"/api/v1/enterprises/{in_ganzhou['uscc']}").status_code == ganzhou_status, (
            name
        )

    # Writing another county's enterprise is refused outright.
    reply = read["minle"].patch(
        f"/api/v1/enterprises/{in_ganzhou['uscc']}", json={"address": "甘州区某路1号"}
    )
    assert reply.status_code == 403 and reply.json()["code"] == "forbidden"
    reply = read["minle"].post(
        f"/api/v1/enterprises/{in_ganzhou['uscc']}/status",
        json={"status": "suspended", "reason": "越权"},
    )
    assert reply.status_code == 403
    assert (
        read["minle"].post("/api/v1/enterprises", json=enterprise(region_code="620702")).status_code
        == 403
    )
    # Auditors read but never write.
    assert (
        read["auditor"]
        .patch(f"/api/v1/enterprises/{in_minle['uscc']}", json={"address": "某路2号"})
        .status_code
        == 403
    )
    assert read["auditor"].post("/api/v1/enterprises", json=enterprise()).status_code == 403
    # Listing a neighbour's region is refused; an unfiltered list stays inside the county.
    assert read["minle"].get("/api/v1/enterprises", params={"region": "620702"}).status_code == 403
    listed = read["minle"].get("/api/v1/enterprises", params={"page_size": 200}).json()
    assert all(e["region_code"] == "620722" for e in listed["items"])
    # The inspector of the county can correct its enterprises.
    assert (
        read["inspector-minle"]
        .patch(f"/api/v1/enterprises/{in_minle['uscc']}", json={"address": "民乐县新址9号"})
        .status_code
        == 200
    )
    # Nothing changed in the neighbour's record.
    unchanged = read["ganzhou"].get(f"/api/v1/enterprises/{in_ganzhou['uscc']}").json()
    assert unchanged["address"] == in_ganzhou["address"] and unchanged["status"] == "operating"


def test_enterprise_user_sees_only_itself(sign_in, users):
    minle = sign_in("minle")
    own = register(minle)
    other = register(minle)
    users.create(own["uscc"], "own-password", "enterprise", "620722", own["uscc"])
    me = sign_in(own["uscc"], "own-password")
    assert me.get(f"/api/v1/enterprises/{own['uscc']}").status_code == 200
    assert me.get(f"/api/v1/enterprises/{other['uscc']}").status_code == 404
    listed = me.get("/api/v1/enterprises").json()
    assert [e["uscc"] for e in listed["items"]] == [own["uscc"]] and not listed["has_more"]
    assert (
        me.patch(
            f"/api/v1/enterprises/{own['uscc']}", json={"name": "自行改名有限公司"}
        ).status_code
        == 403
    )


def test_import_registers_good_rows_reports_bad_ones_and_is_idempotent(sign_in):
    zhangye = sign_in("zhangye")
    good = [enterprise(region_code="620725") for _ in range(3)]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "统一社会信用代码",
            "企业名称",
            "行政区划代码",
            "地址",
            "行业",
            "主要负责人",
            "主要负责人电话",
            "风险特征",
        ]
    )
    for e in good:
        sheet.append(
            [
                e["uscc"],
                e["name"],
                e["region_code"],
                e["address"],
                "机械",
                "张三",
                "13700000000",
                "粉尘涉爆、有限空间",
            ]
        )
    sheet.append(
        [
            "91620725BADBADBAD1",
            "坏代码有限公司",
            "620725",
            "山丹县",
            "机械",
            "张三",
            "13700000000",
            "",
        ]
    )
    sheet.append(
        [
            new_uscc("620725"),
            "未知行业有限公司",
            "620725",
            "山丹县",
            "造船",
            "张三",
            "13700000000",
            "",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    def upload():
        return zhangye.post(
            "/api/v1/enterprises/import", files={"file": ("企业.xlsx", buffer.getvalue())}
        )

    first = upload()
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["created"], report["existing"], report["invalid"]) == (3, 0, 2)
    bad = {line["row"]: line["errors"] for line in report["rows"] if line["result"] == "invalid"}
    assert set(bad) == {5, 6}
    assert "uscc" in bad[5] and "industry" in bad[6]
    again = upload().json()
    assert (again["created"], again["existing"], again["invalid"]) == (0, 3, 2)
    fetched = zhangye.get(f"/api/v1/enterprises/{good[0]['uscc']}").json()
    assert fetched["industry"] == "machinery"
    assert fetched["risk_features"] == ["confined_space", "dust_explosion"]


def test_export_is_an_importable_workbook_of_what_you_may_see(sign_in):
    minle = sign_in("minle")
    marker = "导出测试" + new_uscc()[-6:]
    made = register(minle, name=marker + "有限公司")
    reply = minle.get("/api/v1/enterprises/export", params={"q": marker})
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = list(
        openpyxl.load_workbook(io.BytesIO(reply.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "统一社会信用代码"
    assert [row[0] for row in rows[1:]] == [made["uscc"]]
