"""Hidden-hazard catalogue: the national major-hazard items, and a deployment's general checklist.

The major-hazard items seed 《工贸企业重大事故隐患判定标准》 (应急管理部令第10号, in force
2023-05-15) as data. Each item says whether its text was confirmed against a published copy
(`verified`) and where (`source`); the rest is best knowledge, marked unverified and "unconfirmed",
and must be checked against the official text before anyone relies on its wording. Item texts leave
out the list number and the closing punctuation; copies published in traditional characters are
given here in the simplified form of the official text.

Articles 4–10 are seeded only as far as their text could be sourced. The general checklist is not
regulation: it is a default that a deployment replaces with its own (see `Catalogue.from_dict`).
"""
from dataclasses import asdict, dataclass
from datetime import date

from services.kit.pure.errors import InvalidInput
from services.kit.pure.vocabulary import INDUSTRIES, RISK_FEATURES

STANDARD = "应急管理部令第10号"
EFFECTIVE_ON = date(2023, 5, 15)
UNCONFIRMED = "unconfirmed"
# The risk features that have their own articles (11–13) in the standard.
RISK_SCOPES = ("dust_explosion", "ammonia_refrigeration", "confined_space")
ITEM_SCOPES = ("general", "industry") + RISK_SCOPES
# A local checklist may target any risk feature the registry records, not only those with articles.
CHECK_SCOPES = ("general", "industry") + RISK_FEATURES
MAJOR, GENERAL = "major", "general"

# Where each confirmed text was read: reprints of the order's text, none of them the official
# publication. A reviewer checks against the ministry's own page or 《国务院公报》, e.g.
# gov.cn/gongbao/2023/issue_10566/202307/content_6890788.html as cited in SOURCE_ARTICLE_14.
SOURCE_ARTICLES_1_TO_4 = ("报纸数字版 2023-06-01 第04版「应急与安全」全文刊载，转载页 "
                          "anzhuopai.com/szb/pc/col/202306/01/content_202904.html")
SOURCE_ARTICLE_3 = (SOURCE_ARTICLES_1_TO_4 + "；另见 m.by1723.com/xwzx/hydt/202304/"
                    "t20230419_73880.html、www.hftpay.net/news/show/229.html")
SOURCE_METALLURGY_CHECKLIST = SOURCE_ARTICLES_1_TO_4 + "；另见 m.163wenku.com/p-7598017.html"
SOURCE_ARTICLES_6_7 = ("报纸数字版 2023-06-22 第04版「应急与安全」全文刊载，转载页 "
                       "boglecoveoysterhouse.net/szb/pc/col/202306/22/content_204908.html")
SOURCE_NONFERROUS = "《图解有色企业重大事故隐患》001doc.com/doc/496038.html"
SOURCE_DUST_COPY = "taowenge.com/p-95160116.html"
SOURCE_DUST_CORROBORATED = SOURCE_DUST_COPY + "；另见 www.czlst.com.cn/jddz888-News-494241"
SOURCE_ARTICLES_12_13 = "www.hftpay.net/news/show/229.html（第三、十二、十三条转载）"
SOURCE_ARTICLE_14 = ("github.com/PerryLink/dsh-hidden-risk-map rules/evidence/"
                     "clause-verification-yingjibuling10.md（录自《国务院公报》2023年第19号）")


@dataclass(frozen=True)
class CatalogueItem:
    id: str
    standard: str
    article: int
    item: int
    scope: str
    industry: str | None
    text: str
    effective_on: date
    verified: bool
    names_device: bool  # names a monitoring, alarm, protection or interlock device (Art. 14)
    source: str

    def to_dict(self):
        return {**asdict(self), "effective_on": self.effective_on.isoformat()}

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "effective_on": date.fromisoformat(data["effective_on"])})


@dataclass(frozen=True)
class ChecklistEntry:
    id: str
    topic: str
    text: str
    scope: str
    industry: str | None = None

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


def _item(article, item, scope, text, *, industry=None, names_device=False, source=UNCONFIRMED):
    return CatalogueItem(id=f"MEM10-{article}-{item}", standard=STANDARD, article=article,
                         item=item, scope=scope, industry=industry, text=text,
                         effective_on=EFFECTIVE_ON, verified=source != UNCONFIRMED,
                         names_device=names_device, source=source)


def _metallurgy(item, text, names_device=False, source=UNCONFIRMED):
    return _item(4, item, "industry", text, industry="metallurgy", names_device=names_device,
                 source=source)


def _building_materials(item, text, names_device=False):
    return _item(6, item, "industry", text, industry="building_materials",
                 names_device=names_device, source=SOURCE_ARTICLES_6_7)


def _dust(item, text, names_device=False, source=UNCONFIRMED):
    return _item(11, item, "dust_explosion", text, names_device=names_device, source=source)


MAJOR_HAZARD_ITEMS = (
    _item(3, 1, "general", "未对承包单位、承租单位的安全生产工作统一协调、管理，或者未定期进行安全检查的",
          source=SOURCE_ARTICLE_3),
    _item(3, 2, "general", "特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业的",
          source=SOURCE_ARTICLE_3),
    _item(3, 3, "general", "金属冶炼企业主要负责人、安全生产管理人员未按照规定经考核合格的",
          source=SOURCE_ARTICLE_3),
    _metallurgy(1, "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集场所，"
                   "以及钢铁水罐冷（热）修工位设置在铁水、钢水、液渣吊运跨的地坪区域内的",
                source=SOURCE_METALLURGY_CHECKLIST),
    _metallurgy(2, "生产期间冶炼、精炼和铸造生产区域的事故坑、炉下渣坑，以及熔融金属泄漏和喷溅影响"
                   "范围内的炉前平台、炉基区域、厂房内吊运和地面运输通道等6类区域存在积水的",
                source=SOURCE_METALLURGY_CHECKLIST),
    _metallurgy(3, "炼钢连铸流程未设置事故钢水罐、中间罐漏钢坑（槽）、中间罐溢流坑（槽）、漏钢回转"
                   "溜槽，或者模铸流程未设置事故钢水罐（坑、槽）的",
                names_device=True, source=SOURCE_ARTICLES_1_TO_4),
    # The published copy breaks off after "电极自动断电和升"; the ending is best knowledge.
    _metallurgy(4, "转炉、电弧炉、AOD炉、LF炉、RH炉、VOD炉等炼钢炉的水冷元件未设置出水温度、进出水"
                   "流量差等监测报警装置，或者监测报警装置未与炉体倾动、氧（副）枪自动提升、电极"
                   "自动断电和升起装置联锁的",
                names_device=True),
    _item(5, 1, "industry", "会议室、活动室、休息室、操作室、交接班室、更衣室（含澡堂）等6类人员聚集"
                            "场所设置在熔融金属吊运跨的地坪区域内的",
          industry="nonferrous", source=SOURCE_NONFERROUS),
    _building_materials(1, "煤磨袋式收尘器、煤粉仓未设置温度和固定式一氧化碳浓度监测报警装置，或者"
                           "未设置气体灭火装置的", names_device=True),
    _building_materials(2, "筒型储库人工清库作业未落实清库方案中防止高处坠落、坍塌等安全措施的"),
    _building_materials(3, "水泥企业电石渣原料筒型储库未设置固定式可燃气体浓度监测报警装置，或者"
                           "监测报警装置未与事故通风装置联锁的", names_device=True),
    _building_materials(4, "进入筒型储库、焙烧窑、预热器旋风筒、分解炉、竖炉、篦冷机、磨机、破碎机"
                           "前，未对可能意外启动的设备和涌入的物料、高温气体、有毒有害气体等采取"
                           "隔离措施，或者未落实防止高处坠落、坍塌等安全措施的"),
    _building_materials(5, "采用预混燃烧方式的燃气窑炉（热发生炉煤气窑炉除外）的燃气总管未设置管道"
                           "压力监测报警装置，或者监测报警装置未与紧急自动切断装置联锁的",
                        names_device=True),
    _building_materials(6, "制氢站、氮氢保护气体配气间、燃气配气间等3类场所未设置固定式可燃气体浓度"
                           "监测报警装置的", names_device=True),
    _building_materials(7, "电熔制品电炉的水冷设备失效的", names_device=True),
    _building_materials(8, "玻璃窑炉、玻璃锡槽等设备未设置水冷和风冷保护系统的监测报警装置的",
                        names_device=True),
    _item(7, 1, "industry", "会议室、活动室、休息室、更衣室、交接班室等5类人员聚集场所设置在熔融金属"
                            "吊运跨或者浇注跨的地坪区域内的",
          industry="machinery", source=SOURCE_ARTICLES_6_7),
    _item(7, 2, "industry", "铸造用熔炼炉、精炼炉、保温炉未设置紧急排放和应急储存设施的",
          industry="machinery", names_device=True, source=SOURCE_ARTICLES_6_7),
    _dust(1, "粉尘爆炸危险场所设置在非框架结构的多层建（构）筑物内，或者粉尘爆炸危险场所内设有员工"
             "宿舍、会议室、办公室、休息室等人员聚集场所的", source=SOURCE_DUST_CORROBORATED),
    _dust(2, "不同类别的可燃性粉尘、可燃性粉尘与可燃气体等易加剧爆炸危险的介质共用一套除尘系统，"
             "或者不同建（构）筑物、不同防火分区共用一套除尘系统、除尘系统互联互通的",
          source=SOURCE_DUST_CORROBORATED),
    _dust(3, "干式除尘系统未采取泄爆、惰化、抑爆等任一种爆炸防控措施的", names_device=True,
          source=SOURCE_DUST_CORROBORATED),
    _dust(4, "铝镁等金属粉尘除尘系统采用正压除尘方式，或者其他可燃性粉尘除尘系统采用正压吹送粉尘时，"
             "未采取火花探测消除等防范点燃源措施的", names_device=True, source=SOURCE_DUST_CORROBORATED),
    _dust(5, "除尘系统采用重力沉降室除尘，或者采用干式巷道式构筑物作为除尘风道的",
          source=SOURCE_DUST_CORROBORATED),
    _dust(6, "铝镁等金属粉尘、木质粉尘的干式除尘系统未设置锁气卸灰装置的", names_device=True,
          source=SOURCE_DUST_COPY),
    _dust(7, "除尘器、收尘仓等划分为20区的粉尘爆炸危险场所电气设备不符合防爆要求的",
          names_device=True, source=SOURCE_DUST_COPY),
    _dust(8, "粉碎、研磨、造粒等易产生机械点燃源的工艺设备前，未设置铁、石等杂物去除装置，或者木制品"
             "加工企业与砂光机连接的风管未设置火花探测消除装置的", names_device=True,
          source=SOURCE_DUST_COPY),
    # The published copy breaks off after "或者干式收集、堆放、"; the ending is best knowledge.
    _dust(9, "遇湿自燃金属粉尘收集、堆放、储存场所未采取通风等防止氢气积聚措施，或者干式收集、堆放、"
             "储存场所未采取防水、防潮措施的"),
    _dust(10, "未落实粉尘清理制度，造成作业现场积尘严重的"),
    _item(12, 1, "ammonia_refrigeration", "包装、分割、产品整理场所的空调系统采用氨直接蒸发制冷的",
          source=SOURCE_ARTICLES_12_13),
    _item(12, 2, "ammonia_refrigeration", "快速冻结装置未设置在单独的作业间内，或者快速冻结装置作业间"
                                          "内作业人员数量超过9人的", source=SOURCE_ARTICLES_12_13),
    _item(13, 1, "confined_space", "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示"
                                   "标志的", source=SOURCE_ARTICLES_12_13),
    # The published copy breaks off after "未落实有限空间作业审批，或者未"; the rest is best knowledge.
    _item(13, 2, "confined_space", "未落实有限空间作业审批，或者未执行“先通风、再检测、后作业”要求，"
                                   "或者作业现场未设置监护人员的"),
)

FAILED_DEVICE_RULE = {
    "article": 14,
    "text": "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置，应当保证正常运行、"
            "使用，失效或者无效均判定为重大事故隐患。",
    "verified": True,
    "source": SOURCE_ARTICLE_14,
}

# Deployment-configurable defaults, not regulation: what a county inspector typically checks beyond
# the major-hazard items. A deployment replaces them through Catalogue.from_dict.
GENERAL_CHECKS = (
    ChecklistEntry("GEN-DUTY-01", "安全生产责任制",
                   "建立全员安全生产责任制，主要负责人、安全管理人员和各岗位职责明确并落实", "general"),
    ChecklistEntry("GEN-ORG-01", "安全管理机构和人员",
                   "按规定设置安全生产管理机构或者配备专职、兼职安全生产管理人员", "general"),
    ChecklistEntry("GEN-TRAIN-01", "教育培训记录",
                   "从业人员安全生产教育和培训记录齐全，新员工经三级安全教育后上岗", "general"),
    ChecklistEntry("GEN-CERT-01", "特种作业人员持证",
                   "特种作业人员持有效证件上岗，持证台账与现场作业人员一致", "general"),
    ChecklistEntry("GEN-PLAN-01", "应急预案及演练",
                   "制定生产安全事故应急预案并按计划组织演练，演练记录和总结齐全", "general"),
    ChecklistEntry("GEN-HAZ-01", "隐患排查治理",
                   "隐患排查治理制度落实，排查治理情况如实记录并向从业人员通报", "general"),
    ChecklistEntry("GEN-FIRE-01", "消防设施",
                   "灭火器、消火栓等消防设施器材配置齐全、完好有效，疏散通道和安全出口畅通", "general"),
    ChecklistEntry("GEN-ELEC-01", "电气线路",
                   "电气线路敷设规范，无私拉乱接；配电箱（柜）完好并设置漏电保护", "general"),
    ChecklistEntry("GEN-SIGN-01", "安全警示标志",
                   "危险场所和设施设备设置明显的安全警示标志", "general"),
    ChecklistEntry("GEN-PPE-01", "劳动防护用品",
                   "为从业人员配备符合标准的劳动防护用品，并督促正确佩戴、使用", "general"),
    ChecklistEntry("GEN-GUARD-01", "设备防护设施",
                   "设备传动、转动等危险部位防护罩（栏）齐全完好", "general"),
    ChecklistEntry("GEN-SPEC-01", "特种设备",
                   "起重机械、场（厂）内机动车辆、压力容器等特种设备经检验合格并在有效期内使用",
                   "general"),
    ChecklistEntry("GEN-HOT-01", "动火作业",
                   "动火等危险作业按规定审批，清理周边可燃物并落实现场监护", "general"),
    ChecklistEntry("GEN-CONTRACT-01", "外包作业安全协议",
                   "与承包、承租单位签订专门的安全生产管理协议，或者在合同中约定各自的安全生产管理职责",
                   "outsourced_work"),
    ChecklistEntry("GEN-MAINT-01", "检维修作业审批",
                   "检维修作业前开展风险辨识、办理作业审批，落实能量隔离和现场监护", "maintenance_work"),
    ChecklistEntry("GEN-CONF-01", "有限空间台账",
                   "有限空间管理台账载明数量、位置和危险有害因素，并及时更新", "confined_space"),
    ChecklistEntry("GEN-CONF-02", "有限空间作业记录",
                   "有限空间作业审批、气体检测和监护记录齐全，相关人员经年度培训", "confined_space"),
    ChecklistEntry("GEN-DUST-01", "粉尘清理记录",
                   "粉尘清理制度落实，清理记录齐全，作业现场和设备设施无明显积尘", "dust_explosion"),
    ChecklistEntry("GEN-DUST-02", "除尘系统维护",
                   "除尘系统和防爆电气设备定期检查维护，记录齐全", "dust_explosion"),
    ChecklistEntry("GEN-NH3-01", "液氨储罐及管道",
                   "液氨储罐、管道和阀门无泄漏、严重锈蚀，安全附件完好，氨气浓度报警装置有效",
                   "ammonia_refrigeration"),
    ChecklistEntry("GEN-NH3-02", "涉氨应急器材",
                   "涉氨场所配备正压式空气呼吸器、防化服等应急器材并定期检查", "ammonia_refrigeration"),
    ChecklistEntry("GEN-MELT-01", "熔融金属作业区域",
                   "熔融金属作业区域地面保持干燥，无积水和易燃易爆物品", "metal_smelting"),
    ChecklistEntry("GEN-ALCO-01", "酒精储存场所",
                   "酒精（乙醇）储存、勾兑、灌装场所的可燃气体浓度监测报警装置有效，通风良好",
                   "alcohol_storage"),
    ChecklistEntry("GEN-GAS-01", "煤气区域作业",
                   "煤气区域作业携带一氧化碳检测报警仪，两人以上作业并设专人监护", "industry",
                   "metallurgy"),
)


def _applies(entry, industry, features):
    if entry.scope == "general":
        return True
    if entry.scope == "industry":
        return entry.industry == industry
    return entry.scope in features


def _entry_problems(entries, scopes):
    """Duplicate ids, and scopes or industries outside the registry's vocabulary."""
    problems = []
    seen = set()
    for entry in entries:
        if entry.id in seen:
            problems.append(f"{entry.id}: duplicate id")
        seen.add(entry.id)
        if entry.scope not in scopes:
            problems.append(f"{entry.id}: unknown scope {entry.scope}")
        elif entry.scope == "industry" and entry.industry not in INDUSTRIES:
            problems.append(f"{entry.id}: an industry entry needs one of the registry industries")
        elif entry.scope != "industry" and entry.industry is not None:
            problems.append(f"{entry.id}: only an industry entry names an industry")
    return problems


def _item_problems(items):
    """Entry problems, plus verification flags that are not booleans or lack a source."""
    problems = _entry_problems(items, ITEM_SCOPES)
    for item in items:
        if not isinstance(item.verified, bool) or not isinstance(item.names_device, bool):
            problems.append(f"{item.id}: verified and names_device must be true or false")
        elif item.verified and (not item.source or item.source == UNCONFIRMED):
            problems.append(f"{item.id}: a verified item needs its source")
    return problems


def _refuse(problems, field):
    if problems:
        raise InvalidInput("the hazard catalogue is inconsistent", {field: problems})


def _check_enterprise(industry, risk_features):
    if industry not in INDUSTRIES:
        raise InvalidInput(f"{industry} is not a registry industry",
                           {"industry": ["unknown industry"]})
    unknown = sorted(set(risk_features) - set(RISK_FEATURES))
    if unknown:
        raise InvalidInput("unknown risk features", {"risk_features": unknown})


class Catalogue:
    """The items and checks one deployment uses, and the grading rules that read them."""

    def __init__(self, items=MAJOR_HAZARD_ITEMS, checks=GENERAL_CHECKS):
        _refuse(_item_problems(items), "major_hazard_items")
        _refuse(_entry_problems(checks, CHECK_SCOPES), "general_checks")
        self.items = tuple(items)
        self.checks = tuple(checks)
        self._by_id = {item.id: item for item in self.items}

    @classmethod
    def from_dict(cls, data):
        """A deployment's catalogue, e.g. loaded from JSON; dates are ISO strings.

        The failed-device rule is regulation, not configuration, so it is not read back.
        """
        try:
            items = [CatalogueItem.from_dict(item) for item in data["major_hazard_items"]]
            checks = [ChecklistEntry.from_dict(check) for check in data["general_checks"]]
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"the hazard catalogue cannot be read: {error!r}",
                               {"catalogue": ["malformed"]}) from error
        return cls(items, checks)

    def to_dict(self):
        return {"major_hazard_items": [item.to_dict() for item in self.items],
                "general_checks": [check.to_dict() for check in self.checks],
                "failed_device_rule": dict(FAILED_DEVICE_RULE)}

    def item(self, item_id):
        return self._by_id.get(item_id)

    def applicable(self, industry, risk_features, on=None):
        """The major-hazard items an enterprise must be checked against, in catalogue order."""
        _check_enterprise(industry, risk_features)
        features = set(risk_features)
        return [item for item in self.items
                if _applies(item, industry, features) and (on is None or item.effective_on <= on)]

    def checklist(self, industry, risk_features, on=None):
        """The enterprise's inspection checklist as plain data, ready for the API."""
        features = set(risk_features)
        return {"major_hazard_items": [item.to_dict()
                                       for item in self.applicable(industry, features, on)],
                "general_checks": [check.to_dict() for check in self.checks
                                   if _applies(check, industry, features)]}

    def grade_for(self, item_id=None, failed_device=False):
        """A hazard matching a catalogue item is major; so is a failed device an item names.

        Art. 14: a monitoring, alarm or protection device named in any item that has failed or does
        not work (失效或者无效) is itself a major hazard.
        """
        if item_id is not None:
            if self.item(item_id) is None:
                raise InvalidInput(f"{item_id} is not in the hazard catalogue",
                                   {"catalogue_item": ["unknown item"]})
            return MAJOR
        return MAJOR if failed_device else GENERAL
