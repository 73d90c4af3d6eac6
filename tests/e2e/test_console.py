"""The zh-CN console in a real browser (Playwright driving Debian's Chromium): a bureau head reads
the targets and drills down to the records, an enterprise user sees only its own enterprise, the
layout holds on a phone, and Chinese renders as Chinese rather than as boxes.

Screenshots of each page land in test-output/screenshots/ for people to look at."""

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.api import (
    COMPANY_PASSWORD,
    PASSWORD,
    SMALLEST_CREW,
    confined_space_crew,
    inspected,
    known_enterprise,
    ready_permit,
    register,
    wait_until_permits_knows,
)
from tests.support.browser import CHROMIUM, FLAGS, MISSING
from tests.support.credit import LISTING, NOTICE, move, opened_by_hand
from tests.support.deployments import county_gateway
from tests.support.factories import SECOND_OFFICER, general_finding, id_number, png
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
PHONE = {"width": 375, "height": 812}
# The machine may be busy with the whole suite; a page that answers within this is not slow.
expect.set_options(timeout=20_000)
DESK = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, MISSING
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page_at(browser, platform):
    """A fresh page (its own storage) of the console at a viewport size; a script error on any
    page fails the test."""
    opened, errors = [], []

    def open_page(viewport=DESK, url=None):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        opened.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(20_000)
        page.goto((url or platform.url) + "/")
        return page

    yield open_page
    for context in opened:
        context.close()
    assert not errors, f"script errors in the console: {errors}"


def signed_in(page, username, password=PASSWORD):
    # Within the sign-in form: the page left behind (the accounts page has a 用户名 field too)
    # may still show for a moment after signing out.
    form = page.locator("#login")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("密码").fill(password)
    form.get_by_role("button", name="登录").click()
    expect(page.locator("#who")).to_contain_text(username)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def glyph_widths(page, text):
    """Width of each character of `text` at 40 px in the page's own font: a missing glyph is
    drawn as a narrow box, a CJK glyph takes the full em."""
    return page.evaluate(
        """text => {
            const probe = document.createElement('span');
            probe.style.fontSize = '40px';
            probe.style.whiteSpace = 'nowrap';
            document.body.append(probe);
            const widths = [...text].map(ch => {
                probe.textContent = ch;
                return probe.getBoundingClientRect().width;
            });
            probe.remove();
            return widths;
        }""",
        text,
    )


@pytest.fixture(scope="module")
def scene(sign_in, users):
    """A 民乐县 enterprise with its own user and one open general hazard."""
    body, company = register(sign_in, users)
    _, hazards = inspected(sign_in, body["uscc"], [general_finding()])
    return body, hazards["general"][0]


def test_the_bureau_head_reads_the_targets_and_drills_down_to_the_records(page_at, scene, sign_in):
    wait_until(
        lambda: (
            sign_in("minle")
            .get("/api/v1/targets", params={"region": "620722"})
            .json()["targets"][4]["figures"][1]["denominator"]
        ),
        message="the new hazard to reach the indicator counters",
    )
    page = page_at()
    signed_in(page, "zhangye")
    expect(page.locator("h1")).to_contain_text("张掖市")
    expect(page.locator("section.tile[data-target]")).to_have_count(8)
    general = page.locator('[data-key="hazards.general.rectification"]')
    expect(general).to_contain_text("一般隐患整改率")
    expect(general.locator("svg.bars")).to_contain_text("民乐县")
    # Risk monitoring is deployed: its tile shows the devices online and the open alarms.
    expect(page.locator('[data-tile="monitoring"]')).to_contain_text("设备在线率")
    shot(page, "dashboard")

    page.locator("select[name=region]").select_option("620722")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_contain_text("民乐县")
    page.locator('[data-key="hazards.general.rectification"]').get_by_role(
        "link", name="查看记录"
    ).click()
    expect(page.locator("h1")).to_have_text("一般隐患整改率")
    # The county's general hazards, the new one among them (on its page of the list).
    expect(page.locator("table tbody tr").first).to_contain_text("一般隐患")
    expect(page.get_by_role("button", name="导出 Excel")).to_be_visible()
    shot(page, "records")


@pytest.fixture(scope="module")
def county_without_credit(settings, platform, users, tmp_path_factory):
    with county_gateway(settings, tmp_path_factory.mktemp("county")) as gateway:
        yield gateway


def test_a_county_that_runs_no_credit_service_shows_its_figures_as_not_deployed(
    page_at, county_without_credit
):
    page = page_at(url=county_without_credit.url)
    signed_in(page, "minle")
    expect(page.locator("h1")).to_contain_text("民乐县")
    expect(page.locator("section.tile[data-target]")).to_have_count(8)
    listed = page.locator("section.tile[data-target]", has_text="列入严重失信主体名单")
    expect(listed).to_contain_text("未部署")
    # The menu offers what the county runs, and nothing of what it does not.
    expect(page.locator("#nav").get_by_role("link", name="培训台账")).to_be_visible()
    expect(page.locator("#nav").get_by_role("link", name="失信名单")).to_have_count(0)
    # What the county runs still answers beside it.
    expect(page.locator('[data-key="hazards.general.rectification"]')).to_contain_text(
        "一般隐患整改率"
    )
    expect(page.locator('[data-key="hazards.general.rectification"]')).not_to_contain_text("未部署")
    shot(page, "dashboard-county-without-credit")


def test_chinese_renders_with_a_cjk_font_not_as_boxes(page_at, scene):
    page = page_at()
    expect(page.locator("h1")).to_have_text("登录")
    widths = glyph_widths(page, "安全生产监管")
    assert min(widths) >= 36, f"CJK glyphs missing (character widths {widths})"
    shot(page, "sign-in")


def test_an_enterprise_user_sees_only_its_own_enterprise(page_at, scene, sign_in):
    body, _ = scene
    page = page_at()
    signed_in(page, body["uscc"], COMPANY_PASSWORD)
    expect(page.locator("h1")).to_have_text(body["name"])
    expect(page.locator("#nav")).not_to_contain_text("目标任务")
    expect(page.locator("section.card").first).to_contain_text("整改中")
    shot(page, "enterprise-profile")

    stranger = known_enterprise(sign_in("minle"))["uscc"]
    page.goto(f"{page.url.split('#')[0]}#/enterprises/{stranger}")
    expect(page.locator("[role=alert]")).to_have_text("未找到该记录，或不在您的辖区内。")
    page.goto(f"{page.url.split('#')[0]}#/dashboard")
    expect(page.locator("[role=alert]")).to_have_text("您没有权限查看或办理此项。")


def test_the_dashboard_fits_a_phone(page_at):
    page = page_at(PHONE)
    signed_in(page, "minle")
    expect(page.locator("section.tile[data-target]")).to_have_count(8)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than a 375 px phone"
    shot(page, "dashboard-phone")


def test_an_inspector_records_an_inspection_with_a_photo_on_a_phone(page_at, scene, tmp_path):
    body, _ = scene
    photo = tmp_path / "现场.png"
    photo.write_bytes(png(seed=7))
    page = page_at(PHONE)
    signed_in(page, "inspector-minle")
    page.get_by_role("link", name="现场检查").click()
    page.get_by_label("统一社会信用代码").fill(body["uscc"])
    page.get_by_label("检查地点").fill("粉碎车间")
    page.get_by_label("检查内容").fill("粉尘防爆专项检查")
    page.get_by_label("同行执法人员（账号）").fill(SECOND_OFFICER)
    page.get_by_role("button", name="开始检查").click()
    expect(page.locator("h1")).to_contain_text("现场检查")

    page.get_by_label("问题描述").fill("除尘器积灰未及时清理")
    page.get_by_label("现场照片").set_input_files(str(photo))
    page.get_by_role("button", name="记录").click()
    expect(page.locator("ol.findings li")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("1 张照片将在完成检查后上传")
    shot(page, "inspection-phone")

    page.get_by_label("处理决定").fill("责令限期整改")
    page.get_by_label("被检查单位负责人签字").fill("王伟")
    with page.expect_response(lambda r: "/api/v1/evidence/file?" in r.url) as uploaded:
        page.get_by_role("button", name="完成").click()
    assert uploaded.value.status == 201, uploaded.value.text()
    # The photo is recorded as evidence of the finding's hazard.
    assert parse_qs(urlsplit(uploaded.value.url).query)["hazard_id"][0]
    expect(page.locator("dl.facts")).to_contain_text("已完成")
    with page.expect_download() as record:
        page.get_by_role("button", name="现场检查记录（PDF）").click()
    assert record.value.suggested_filename.endswith(".pdf")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the form is {overflow} px wider than a 375 px phone"


def test_an_enterprise_user_rectifies_a_hazard_and_uploads_evidence(
    page_at, scene, sign_in, tmp_path
):
    body, _ = scene
    _, hazards = inspected(sign_in, body["uscc"], [general_finding("消防通道堆放杂物")])
    photo = tmp_path / "整改后.png"
    photo.write_bytes(png(seed=11))
    page = page_at(PHONE)
    signed_in(page, body["uscc"], COMPANY_PASSWORD)
    page.goto(f"{page.url.split('#')[0]}#/hazards/{hazards['general'][0]}")
    expect(page.locator("dl.facts")).to_contain_text("整改中")
    page.get_by_label("整改照片").set_input_files(str(photo))
    page.get_by_label("整改说明").fill("杂物已清理，通道畅通")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("dl.facts")).to_contain_text("整改待验收")
    # The thumbnail is made after the upload by an event handler, then shown from the store.
    wait_until(
        lambda: page.reload() or page.locator(".gallery img").count() > 0,
        message="the photo's thumbnail on the hazard's page",
    )
    expect(page.locator(".gallery img").first).to_have_js_property("complete", True)
    assert page.locator(".gallery img").first.evaluate("img => img.naturalWidth") > 0
    expect(page.locator("main")).not_to_contain_text("null")
    shot(page, "hazard-rectified")


def test_an_enterprise_imports_its_ledger_and_reads_each_row_s_fate(page_at, scene, tmp_path):
    body, _ = scene
    ledger = tmp_path / "台账.csv"
    ledger.write_text(f"身份证号,姓名\n{id_number()},王伟\n12345,李四\n", "utf-8")
    page = page_at()
    signed_in(page, body["uscc"], COMPANY_PASSWORD)
    page.get_by_role("link", name="导入").click()
    form = page.locator('[data-import="/api/v1/training/import"]')
    form.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(ledger))
    form.get_by_role("button", name="导入").click()
    expect(form.locator("[role=status]")).to_contain_text("新增 1 行，已存在 0 行，有误 1 行")
    expect(form.locator("table")).to_contain_text("3")
    shot(page, "import")

    page.get_by_role("link", name="培训台账").click()
    expect(page.locator("main")).to_contain_text("王伟")


def test_a_code_at_the_entrance_denies_then_allows_entry(page_at, platform, sign_in, users):
    body, company = register(sign_in, users, risk_features=["confined_space"])
    wait_until_permits_knows(company, body["uscc"])
    principal, guardian, entrant, rescuer = confined_space_crew(
        company, body["uscc"], *SMALLEST_CREW
    )
    _, at_entrance = ready_permit(company, principal, guardian, entrant, rescuer)
    page = page_at(PHONE)
    page.goto(f"{platform.url}/scan?token={at_entrance['token']}")
    signed_in(page, body["uscc"], COMPANY_PASSWORD)
    expect(page.locator("h1")).to_have_text("先扫码、后作业")

    # The guardian going in too: refused, with the reason in Chinese.
    page.locator(f'input[name=guardian][value="{guardian}"]').check()
    page.locator(f'input[name=entrants][value="{guardian}"]').check()
    page.locator(f'input[name=entrants][value="{entrant}"]').check()
    page.get_by_role("button", name="核验并进入").click()
    verdict = page.locator("#verdict .verdict")
    expect(verdict).to_contain_text("禁止作业")
    expect(verdict.locator('[data-code="guardian_is_entrant"]')).to_have_count(1)
    shot(page, "scan-denied")

    page.locator(f'input[name=entrants][value="{guardian}"]').uncheck()
    page.get_by_role("button", name="核验并进入").click()
    expect(verdict).to_contain_text("允许作业")
    expect(verdict).to_contain_text("作业已开始")
    shot(page, "scan-allowed")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the scan page is {overflow} px wider than a 375 px phone"


def test_the_public_finds_a_published_listing_without_signing_in(page_at, sign_in):
    minle = sign_in("minle")
    body = known_enterprise(minle)
    case = opened_by_hand(
        minle,
        {
            "uscc": body["uscc"],
            "rule": "other_by_law",
            "legal_basis": "应急管理部令第11号第五条",
            "records": [f"民应急罚〔2026〕{secrets.randbelow(10_000)}号"],
            "authority": "620722",
        },
    )
    move(minle, case["id"], "notice", NOTICE)
    move(minle, case["id"], "representation", {"text": "当事人陈述"})
    move(minle, case["id"], "decision", LISTING)
    move(minle, case["id"], "publication", {"measures": []})

    page = page_at(PHONE)
    page.get_by_role("link", name="严重失信主体名单公示（无需登录）").click()
    page.get_by_label("企业名称或统一社会信用代码").fill(body["uscc"])
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#listings")).to_contain_text(body["name"])
    expect(page.locator("#listings")).to_contain_text(LISTING["decision_number"])
    shot(page, "public-disclosure")


def test_a_bureau_creates_an_enterprise_account_which_signs_in(page_at, sign_in):
    body = known_enterprise(sign_in("minle"))
    username = f"firm-{secrets.token_hex(3)}"
    first, chosen = "Chushi-mima-2026", "Anquan-shengchan-88"
    page = page_at()
    signed_in(page, "minle")
    page.get_by_role("link", name="账号").click()
    form = page.locator("#new-account")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("角色").select_option("enterprise")
    form.get_by_label("统一社会信用代码（企业账号）").fill(body["uscc"])
    form.get_by_label("初始密码（首次登录须修改）").fill(first)
    form.get_by_role("button", name="创建").click()
    expect(page.locator("[role=status]")).to_have_text(f"已创建账号 {username}")
    shot(page, "accounts")
    page.get_by_role("button", name="退出").click()

    signed_in(page, username, first)
    expect(page.locator("h1")).to_have_text("修改密码")
    page.get_by_label("原密码").fill(first)
    page.get_by_label("新密码").fill(chosen)
    page.get_by_role("button", name="修改").click()
    expect(page.locator("h1")).to_have_text("登录")
    signed_in(page, username, chosen)
    expect(page.locator("h1")).to_have_text(body["name"])
