"""Autopsies as CSV, for `rebound export` and "Export my data", safe to open in a spreadsheet.

A cell that starts with =, +, -, @ (or a tab or carriage return) would run as a formula in
Excel or Sheets; such cells get a leading apostrophe, as OWASP recommends for CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from storage import EXPORT_FIELDS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(rows: Iterable[Mapping[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({field: safe_cell(value) for field, value in row.items()})


def csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue()
