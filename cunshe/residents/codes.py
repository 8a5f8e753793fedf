"""National code lists used by the register (facts from the standards; labels in Chinese).

GB/T 4761-2008 family relationship, GB 3304-1991 ethnicity, GB/T 2261.2-2003 marital status,
GB/T 4762-1984 political status, GB/T 4658-2006 education (first level), GB/T 26341-2010
disability category and grade.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

RELATIONSHIPS: dict[str, str] = {
    "02": "户主", "10": "配偶", "11": "夫", "12": "妻",
    "20": "子", "21": "独生子", "22": "长子", "23": "次子", "24": "三子", "25": "四子",
    "26": "五子", "27": "养子或继子", "28": "女婿", "29": "其他儿子",
    "30": "女", "31": "独生女", "32": "长女", "33": "次女", "34": "三女", "35": "四女",
    "36": "五女", "37": "养女或继女", "38": "儿媳", "39": "其他女儿",
    "40": "孙子女或外孙子女", "41": "孙子", "42": "孙女", "43": "外孙子", "44": "外孙女",
    "45": "孙媳妇或外孙媳妇", "46": "孙女婿或外孙女婿", "47": "曾孙子或外曾孙子",
    "48": "曾孙女或外曾孙女", "49": "其他孙子女",
    "50": "父母", "51": "父亲", "52": "母亲", "53": "公公", "54": "婆婆", "55": "岳父",
    "56": "岳母", "57": "继父或养父", "58": "继母或养母", "59": "其他父母关系",
    "60": "祖父母或外祖父母", "61": "祖父", "62": "祖母", "63": "外祖父", "64": "外祖母",
    "65": "配偶的祖父母或外祖父母", "66": "曾祖父", "67": "曾祖母",
    "68": "配偶的曾祖父母或外曾祖父母", "69": "其他祖父母或外祖父母关系",
    "70": "兄弟姐妹", "71": "兄", "72": "嫂", "73": "弟", "74": "弟媳", "75": "姐姐",
    "76": "姐夫", "77": "妹妹", "78": "妹夫", "79": "其他兄弟姐妹",
    "80": "其他", "81": "伯父", "82": "伯母", "83": "叔父", "84": "婶母", "85": "舅父",
    "86": "舅母", "87": "姨父", "88": "姨母", "89": "姑父", "90": "姑母",
    "91": "堂兄弟、堂姐妹", "92": "表兄弟、表姐妹", "93": "侄子", "94": "侄女", "95": "外甥",
    "96": "外甥女", "97": "其他亲属", "99": "非亲属",
}  # fmt: skip
HEAD = "02"
# Relationship groups by the generation they sit in relative to the head (+1 = one older).
GENERATION: dict[str, int] = {}
for _code in RELATIONSHIPS:
    _first = _code[0]
    GENERATION[_code] = {"2": -1, "3": -1, "4": -2, "5": 1, "6": 2}.get(_first, 0)
for _code in ("66", "67", "68"):
    GENERATION[_code] = 3
for _code in ("47", "48"):
    GENERATION[_code] = -3
for _code in ("81", "82", "83", "84", "85", "86", "87", "88", "89", "90"):
    GENERATION[_code] = 1
for _code in ("93", "94", "95", "96"):
    GENERATION[_code] = -1
for _code in ("97", "99", "80"):
    GENERATION[_code] = 0  # unknown: never judged impossible
UNKNOWN_GENERATION = {"80", "97", "99"}

ETHNICITIES: dict[str, str] = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族",
    "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族",
    "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族", "17": "哈萨克族", "18": "傣族",
    "19": "黎族", "20": "傈僳族", "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
    "25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族",
    "30": "土族", "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族",
    "36": "毛南族", "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族",
    "46": "德昂族", "47": "保安族", "48": "裕固族", "49": "京族", "50": "塔塔尔族",
    "51": "独龙族", "52": "鄂伦春族", "53": "赫哲族", "54": "门巴族", "55": "珞巴族",
    "56": "基诺族",
}  # fmt: skip

MARITAL: dict[str, str] = {
    "10": "未婚", "20": "已婚", "21": "初婚", "22": "再婚", "23": "复婚", "30": "丧偶",
    "40": "离婚", "90": "未说明的婚姻状况",
}  # fmt: skip
MARRIED = {"20", "21", "22", "23"}

POLITICAL: dict[str, str] = {
    "01": "中共党员", "02": "中共预备党员", "03": "共青团员", "04": "民革党员",
    "05": "民盟盟员", "06": "民建会员", "07": "民进会员", "08": "农工党党员",
    "09": "致公党党员", "10": "九三学社社员", "11": "台盟盟员", "12": "无党派人士",
    "13": "群众",
}  # fmt: skip
PARTY_MEMBER = {"01", "02"}

EDUCATION: dict[str, str] = {
    "10": "研究生", "20": "大学本科", "30": "大学专科", "40": "中等职业教育",
    "60": "普通高级中学", "70": "初级中学", "80": "小学", "90": "其他（含未上学）",
}  # fmt: skip

DISABILITY_CATEGORIES: dict[str, str] = {
    "1": "视力残疾", "2": "听力残疾", "3": "言语残疾", "4": "肢体残疾", "5": "智力残疾",
    "6": "精神残疾", "7": "多重残疾",
}  # fmt: skip
DISABILITY_GRADES = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}


class ResidenceStatus(models.TextChoices):
    HERE = "here", _("在本村居住")
    AWAY_FOR_WORK = "away_work", _("外出务工")
    AWAY_OTHER = "away_other", _("外出（其他）")
    NON_HUKOU_HERE = "non_hukou", _("非户籍常住")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记入册")
    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")
    MARRIAGE_IN = "marriage_in", _("婚入")
    MARRIAGE_OUT = "marriage_out", _("婚出")
    MOVE_IN = "move_in", _("迁入/来本村居住")
    MOVE_OUT = "move_out", _("迁出/离开本村")
    LEAVE_FOR_WORK = "leave_work", _("外出务工")
    RETURN = "return", _("返乡")
    HUKOU_IN = "hukou_in", _("户籍迁入")
    HUKOU_OUT = "hukou_out", _("户籍迁出")
    CORRECTION = "correction", _("更正")


def choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, f"{k} {v}") for k, v in mapping.items()]
