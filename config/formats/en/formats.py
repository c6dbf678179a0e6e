# Dates on pages are shown one way, in both languages: 2026-12-01 (and 2026-12-01 09:30).
# Printed documents write their own (2026年12月1日) explicitly in their templates.
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
# What a date box accepts: the ISO form first (what the picker sends), then common typings.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
