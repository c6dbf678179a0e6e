"""Input checks shared by the pages and the API (issue 10: no input produces a 5xx)."""
from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import ValidationError

# The database's integer range (SQLite and PostgreSQL bigint): ids and numbers beyond it are refused.
MAX_ID = 2**63 - 1
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> bool:
    """A NUL byte or a lone surrogate: refused by PostgreSQL / by UTF-8."""
    return bool(_BAD_TEXT.search(value))


def parse_id(value) -> int | None:
    """A positive integer id in the database's range, or None."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values, field: str = "id") -> list[int]:
    """Every value a valid id, else a 400 naming the field."""
    out = []
    for v in values:
        number = parse_id(v)
        if number is None:
            raise ValidationError({field: [_("“%(value)s”不是有效的编号。") % {"value": str(v)[:30]}]})
        out.append(number)
    return out
