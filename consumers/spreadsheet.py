"""Streaming readers for candidate spreadsheets (.csv and .xlsx), one row at a time.

Memory stays flat with file size: CSV is read line by line, XLSX through openpyxl's
read-only mode, which parses the sheet XML as a stream instead of loading the workbook.
Header cells are matched case-insensitively against common synonyms.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.errors import ValidationFailed

LIST_FIELDS = ("phones", "tags", "links")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "emails", "mail", "emailaddress", "mailaddress", "emailadresse"),
    "name": ("name", "fullname", "candidate", "candidatename", "displayname"),
    "first_name": ("firstname", "givenname", "forename", "vorname", "first"),
    "last_name": ("lastname", "surname", "familyname", "nachname", "last"),
    "phones": ("phone", "phones", "mobile", "mobilephone", "telephone", "tel", "phonenumber",
               "cell", "cellphone", "mobilenumber"),
    "tags": ("tags", "tag", "labels", "label", "keywords"),
    "source": ("source", "sources", "origin"),
    "location": ("location", "city", "place", "address", "country"),
    "headline": ("headline", "title", "jobtitle", "position", "currentposition", "role"),
    "links": ("linkedin", "linkedinurl", "linkedinprofile", "link", "links", "url", "website",
              "profile", "profileurl"),
}
BY_SYNONYM = {syn: name for name, syns in SYNONYMS.items() for syn in syns}
TAG_SPLIT = re.compile(r"[,;]")
CSV_SNIFF_BYTES = 64 * 1024


def normalise(header: Any) -> str:
    return re.sub(r"[^0-9a-z]", "", str(header or "").lower())


@dataclass
class Sheet:
    """An opened spreadsheet: its format, which column holds which field, and its data rows."""

    format: str
    columns: dict[int, str]
    rows: Iterator[tuple[int, dict[str, Any]]]
    _close: Any = field(default=None, repr=False)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed.field("file", message)


def detect_format(path: Path, max_bytes: int) -> str:
    """Refuses a file that is empty, too large, or neither CSV nor XLSX, by its bytes."""
    size = path.stat().st_size
    if size == 0:
        raise refuse("is empty")
    if size > max_bytes:
        raise refuse(f"is larger than {max_bytes} bytes")
    with path.open("rb") as handle:
        head = handle.read(CSV_SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise refuse("is a ZIP archive but not an .xlsx workbook")
        except zipfile.BadZipFile:
            raise refuse("is a damaged .xlsx file") from None
        return "xlsx"
    if b"\x00" in head or head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise refuse("is neither a CSV nor an .xlsx file (old .xls: save it as .xlsx)")
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                raise refuse("is neither a CSV nor an .xlsx file") from None
    return "csv"


def columns_of(header: list[Any]) -> dict[int, str]:
    columns = {i: BY_SYNONYM[key] for i, key in enumerate(map(normalise, header))
               if key in BY_SYNONYM}
    if "email" not in columns.values():
        raise refuse("the header row has no email column (expected e.g. Email, E-mail, Mail)")
    return columns


def to_row(values: tuple[Any, ...] | list[Any], columns: dict[int, str]) -> dict[str, Any]:
    """One row as fields: first and last name joined, list fields split and merged."""
    row: dict[str, Any] = {"phones": [], "tags": [], "links": []}
    for index, name in columns.items():
        if index >= len(values):
            continue
        value = cell_text(values[index])
        if value is None:
            continue
        if name == "tags":
            row["tags"] += [t.strip() for t in TAG_SPLIT.split(value) if t.strip()]
        elif name in LIST_FIELDS:
            row[name].append(value)
        elif name not in row:
            row[name] = value
    if "name" not in row:
        joined = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
        if joined:
            row["name"] = joined
    row.pop("first_name", None)
    row.pop("last_name", None)
    return row


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def open_sheet(path: Path, max_bytes: int) -> Sheet:
    """Checks the file and its header before anything is imported; rows come lazily."""
    file_format = detect_format(path, max_bytes)
    sheet = _open_xlsx(path) if file_format == "xlsx" else _open_csv(path)
    try:
        first = next(sheet.rows, None)
    except Exception:
        sheet.close()
        raise
    if first is None:
        sheet.close()
        raise refuse("has no rows below the header")
    sheet.rows = _chain(first, sheet.rows)
    return sheet


def _chain(first: tuple[int, dict[str, Any]],
           rest: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
    yield first
    yield from rest


def _open_csv(path: Path) -> Sheet:
    raw = path.open("rb")
    with path.open("rb") as probe:
        head = probe.read(CSV_SNIFF_BYTES)
    try:
        head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        encoding = "utf-8-sig" if error.start >= len(head) - 4 else "cp1252"
    text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    first_line = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    delimiter = max(",;\t|", key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
        columns = columns_of(header)
    except csv.Error:
        text.close()
        raise refuse("is not a readable CSV file") from None
    except (StopIteration, ValidationFailed):
        text.close()
        raise refuse("the header row has no email column (expected e.g. Email, E-mail, Mail)") \
            from None

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for values in reader:
                if any(v.strip() for v in values):
                    yield reader.line_num, to_row(values, columns)
        except csv.Error as error:
            raise refuse(f"is not a readable CSV file (line {reader.line_num}: {error})") \
                from None

    return Sheet("csv", columns, rows(), text.close)


def _open_xlsx(path: Path) -> Sheet:
    import openpyxl

    handle = path.open("rb")
    try:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        handle.close()
        raise refuse("is a damaged .xlsx file") from None

    def close() -> None:
        workbook.close()
        handle.close()

    worksheet = workbook.worksheets[0] if workbook.worksheets else None
    if worksheet is None:
        close()
        raise refuse("has no worksheet")
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()
    values = worksheet.iter_rows(values_only=True)
    header = next(values, None)
    try:
        columns = columns_of(list(header or ()))
    except ValidationFailed:
        close()
        raise

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, row in enumerate(values, start=2):
            if any(cell_text(v) for v in row):
                yield number, to_row(row, columns)

    return Sheet("xlsx", columns, rows(), close)
