"""The county document's targets (巍办发〔2017〕25号), each a setting with the document's value.

Each one: settings.TARGETS[name], else the environment variable TARGETS_<NAME>, else the
default below (the document's value, or local practice where the document is silent).
"""

from __future__ import annotations

import decimal
import os

from django.conf import settings

DEFAULTS = {
    # 二(三) 每个贫困村确定1—2名村级后备力量进行培养.
    "RESERVE_MIN": 1,
    "RESERVE_MAX": 2,
    # 重点培养35岁以下 … (a reserve cadre older than this is shown as outside the focus group).
    "RESERVE_FOCUS_MAX_AGE": 35,
    # 一(五) 到今年底，所有建档立卡贫困村集体经济收入至少要达到2万元以上 (yuan).
    "INCOME_MIN": decimal.Decimal("20000"),
    # 三(一) 消除党员“空白村”，做到每个村民小组都有党员: at least this many party members per group.
    "GROUP_MIN_PARTY_MEMBERS": 1,
    # Local practice: a group with no more than this many party members is "at risk" (one move or
    # death leaves it blank). 0 turns the warning off.
    "GROUP_THIN_PARTY_MEMBERS": 1,
    # 二(四) 每年对乡村干部进行1次集中轮训 (sessions of the county level count).
    "TRAINING_TIMES_PER_YEAR": 1,
    # 四(四) 所有建档立卡贫困村都有1名以上专业人才挂钩帮扶.
    "TALENT_MIN": 1,
    # 一(四) 确保年内每个乡镇建成1个农村电子商务实体店示范点.
    "SHOP_MIN": 1,
    # 四(二) 因村选派第一书记 … 实现建档立卡贫困村全覆盖: a posting whose term ends within this many
    # days of the day looked at is "at risk" (a successor is due).
    "FIRST_SECRETARY_WARN_DAYS": 60,
    # Sweep: from this day of December the townships are reminded of poor villages whose yearly
    # income is still below INCOME_MIN (once per township and year).
    "INCOME_REMIND_DECEMBER_DAY": 1,
    # XLSX import: largest file (bytes) and number of rows accepted in one upload.
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 5000,
    # The first year the board offers (the document's year).
    "FIRST_YEAR": 2017,
}


def get(name: str):
    configured = getattr(settings, "TARGETS", {}) or {}
    if name in configured:
        return configured[name]
    value = os.environ.get(f"TARGETS_{name}")
    default = DEFAULTS[name]
    if value not in (None, ""):
        return type(default)(value)
    return default
