"""Request parsers for every API endpoint: a body is a JSON object (or a form), and no text in it
carries a NUL byte or a lone surrogate (PostgreSQL refuses the first, UTF-8 the second).
Anything else is a 400 with a message in the user's language, before any view runs."""
from __future__ import annotations

import math

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from supervision.validation import bad_text


def _check(value, depth=0):
    if depth > 20:
        raise ParseError(_("请求体嵌套过深。"))
    if isinstance(value, str):
        if bad_text(value):
            raise ParseError(_("文本不能包含空字符或无效的 Unicode 字符。"))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(_("数值超出范围。"))
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, depth + 1)
            _check(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check(v, depth + 1)


class ObjectJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(_("请求体必须是一个 JSON 对象。"))
        _check(data)
        return data


def _check_querydict(data):
    for key, values in data.lists():
        _check(key)
        for v in values:
            if isinstance(v, str):
                _check(v)


class CheckedFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_querydict(data)
        return data


class CheckedMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_querydict(result.data)
        return result
