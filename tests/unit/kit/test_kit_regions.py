"""Division codes and jurisdictions, checked on Zhangye (Gansu) and Beijing."""

from services.kit.pure import regions

ZHANGYE = "620700"
ZHANGYE_COUNTIES = ["620702", "620721", "620722", "620723", "620724", "620725"]


def test_zhangye_and_its_six_counties_are_current():
    assert regions.lookup(ZHANGYE).name == "张掖市"
    assert regions.lookup("620702").name == "甘州区"
    assert all(regions.is_current(code) for code in [ZHANGYE, *ZHANGYE_COUNTIES])


def test_counties_of_zhangye_leave_out_the_city_district_placeholder():
    assert regions.counties(ZHANGYE) == ZHANGYE_COUNTIES


def test_scope_prefix_per_level():
    assert regions.scope_prefix("620721") == "620721"
    assert regions.scope_prefix(ZHANGYE) == "6207"
    assert regions.scope_prefix("620000") == "62"
    assert regions.scope_prefix(regions.NATIONWIDE) == ""


def test_city_bureau_sees_its_counties_but_not_the_neighbouring_city():
    assert all(regions.within(ZHANGYE, code) for code in ZHANGYE_COUNTIES)
    assert not regions.within(ZHANGYE, "620102")  # Chengguan, Lanzhou
    assert not regions.within(ZHANGYE, "620602")  # Liangzhou, Wuwei


def test_county_bureau_sees_only_itself():
    assert regions.within("620702", "620702")
    assert not regions.within("620702", "620721")


def test_province_and_nationwide_scopes():
    assert regions.within("620000", "620725")
    assert not regions.within("620000", "630102")
    assert regions.within(regions.NATIONWIDE, "110101")


def test_within_refuses_a_missing_code():
    assert not regions.within(ZHANGYE, None)


def test_withdrawn_code_is_known_but_not_current():
    chongwen = "110103"  # merged into Dongcheng in 2010
    assert regions.lookup(chongwen).name == "崇文区"
    assert not regions.is_current(chongwen)
    assert regions.is_current(chongwen, year=2005)
    assert not regions.is_current(chongwen, year=2015)


def test_unknown_code_is_not_current():
    assert regions.lookup("999999") is None
    assert not regions.is_current("999999")
    assert not regions.is_current(None)
