"""A prefecture typed by a person ("14", "1", "神奈川", "Kanagawa", "横浜") -> its JIS code: the one
resolver behind DEFAULT_PREFECTURE, `card --prefecture` and `report --prefecture`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.text import clean, normalize

if TYPE_CHECKING:
    from bot.location import Locator


class PrefectureError(ValueError):
    """Not one prefecture; the message says why (unknown, or in several) and suggests names."""


def resolve(value: object, *, locator: Locator | None = None, names: Mapping[str, str] | None = None) -> str:
    """The code of the prefecture `value` names. With a locator (the loaded knowledge) any place
    name is understood; with `names` only (code -> Japanese name: reports, which load no
    knowledge) prefecture names with or without 都/府/県."""
    text = normalize(clean(value)).strip()
    if re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= 47:
        return f"{int(text):02d}"
    if locator is not None:
        where = locator.lookup(text) if text else None
        if where is not None and where.prefecture:
            return where.prefecture
        if where is not None and where.candidates:
            listed = ", ".join(f"{locator.prefecture_name(c, 'ja')} ({c})" for c in where.candidates)
            raise PrefectureError(f"{value!r} is in more than one prefecture: {listed}; give the prefecture")
        hint = locator.suggest(text) if text else []
    else:
        for code, name in (names or {}).items():
            name = normalize(name)
            if text and text in (name, name[:-1] if name[-1] in "都府県" else name):
                return code
        hint = []
    said = f"; did you mean {', '.join(hint)}?" if hint else "; give a code 01-47 or a prefecture name"
    raise PrefectureError(f"unknown prefecture {value!r}{said}")
