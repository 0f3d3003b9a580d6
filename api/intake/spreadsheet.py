"""Readers for candidate spreadsheets (.csv, .xlsx, .xls, .ods), one row at a time.

CSV is streamed line by line, so its memory stays flat with file size. Workbooks are read by
calamine (Rust, through python-calamine): it parses the first worksheet whole when the file
is opened, into a table of every cell in the sheet's used area, then hands the rows to Python
one at a time. Parsing up front means a damaged sheet is refused before anything is imported;
the price is memory that grows with the used area, about 100 bytes a cell, so the area is
measured first in a throwaway process (sheet_probe) and sheets over MAX_SHEET_CELLS refused.
Header cells are matched case-insensitively against common synonyms.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from api.intake import sheet_probe
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

FORMATS = ("csv", "xlsx", "xls", "ods")
DESCRIBED = {"csv": "text (CSV)", "xlsx": "an .xlsx workbook", "xls": "an .xls workbook",
             "ods": "an .ods spreadsheet"}
NOT_A_SPREADSHEET = "is neither a CSV file nor an .xlsx, .xls or .ods workbook"
# The container of .xls files (and of other old Office files, and of encrypted .xlsx ones).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# 3 million cells (100,000 rows of 30 columns) take about 300 MB in calamine (5 million cells
# of short text took 510 MB), which keeps a whole import within about 400 MB.
MAX_SHEET_CELLS = 3_000_000


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


def detect_format(path: Path, max_bytes: int, name: str | None = None) -> str:
    """The file's format by its bytes; refuses a file that is empty, too large, of no format
    read here, or whose name (when it ends in one of FORMATS) promises another format."""
    size = path.stat().st_size
    if size == 0:
        raise refuse("is empty")
    if size > max_bytes:
        raise refuse(f"is larger than {max_bytes} bytes")
    with path.open("rb") as handle:
        head = handle.read(CSV_SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        found = _zip_format(path)
    elif head.startswith(OLE2_MAGIC):
        found = "xls"
    elif b"\x00" in head or head.startswith(b"%PDF") or _encoding(head) is None:
        raise refuse(NOT_A_SPREADSHEET)
    else:
        found = "csv"
    claimed = Path(name or "").suffix.lower().lstrip(".")
    if claimed in FORMATS and claimed != found:
        raise refuse(f"is named .{claimed} but its content is {DESCRIBED[found]}")
    return found


def _zip_format(path: Path) -> str:
    """.xlsx and .ods are both ZIP packages: told apart by their workbook part and mimetype."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names:
                with archive.open("mimetype") as mimetype:
                    if mimetype.read(len(ODS_MIMETYPE) + 2).strip() == ODS_MIMETYPE:
                        return "ods"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise refuse("is a damaged .xlsx or .ods file (its ZIP archive is broken)") from None
    raise refuse("is a ZIP archive but not an .xlsx or .ods workbook")


def _encoding(head: bytes) -> str | None:
    """UTF-8 (a character cut off at the end of the sniffed bytes is fine), else cp1252."""
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 4:
            return "utf-8-sig"
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return None


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
    """A cell as the importer stores it: whole numbers without ".0", and a date alone as its
    midnight (the text dates from .xlsx cells have always had)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif type(value) is date:
        value = datetime.combine(value, time())
    text = str(value).strip()
    return text or None


def open_sheet(path: Path, max_bytes: int, name: str | None = None) -> Sheet:
    """Checks the file and its header before anything is imported; rows come lazily."""
    file_format = detect_format(path, max_bytes, name)
    sheet = _open_csv(path) if file_format == "csv" else _open_workbook(path, file_format)
    try:
        first = next(sheet.rows, None)
    except Exception:
        sheet.close()
        raise
    if first is None:
        sheet.close()
        raise refuse("has no rows below the header")
    sheet.rows = itertools.chain([first], sheet.rows)
    return sheet


def _open_csv(path: Path) -> Sheet:
    raw = path.open("rb")
    with path.open("rb") as probe:
        head = probe.read(CSV_SNIFF_BYTES)
    encoding = _encoding(head) or "utf-8-sig"
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


def _open_workbook(path: Path, file_format: str) -> Sheet:
    """The first worksheet of an .xlsx, .xls or .ods file, through calamine.

    Values are what the sheet shows: numbers, text (formulas by their cached result), booleans,
    dates and times; error cells such as #N/A come back empty."""
    from python_calamine import CalamineError, CalamineWorkbook

    index = _measure(path, file_format)
    try:
        with CalamineWorkbook.from_path(path) as book:
            sheet = book.get_sheet_by_index(index)
    except (CalamineError, OSError, ValueError):
        raise _damaged(file_format) from None
    numbered = _rows_with_text(sheet.iter_rows() if sheet.start is not None else iter(()))
    header = next(numbered, None)
    columns = columns_of(header[1] if header else [])

    reading = ((number, to_row(values, columns)) for number, values in numbered)
    return Sheet(file_format, columns, reading, reading.close)


def _rows_with_text(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Each row that holds any text, with its number as the sheet shows it: python-calamine
    yields empty rows for those above the used area, so counting from 1 gives that number."""
    for number, values in enumerate(rows, start=1):
        if any(cell_text(v) for v in values):
            yield number, values


def _damaged(file_format: str) -> ValidationFailed:
    # .doc and .ppt files share the .xls container, so an unreadable one may be either
    other = ", or another kind of Office file" if file_format == "xls" else ""
    return refuse(f"is a damaged .{file_format} file{other}")


def _measure(path: Path, file_format: str) -> int:
    """Which sheet to read, once a throwaway process has parsed it and found its used area
    within MAX_SHEET_CELLS."""
    found = sheet_probe.measure(path)
    if "refused" in found:
        raise refuse(found["refused"])
    if "damaged" in found:
        raise _damaged(file_format)
    if "too_slow" in found:
        raise refuse(f"took longer than {sheet_probe.PROBE_TIMEOUT_S} s to read: save it as .csv")
    if "too_large" in found:
        raise refuse(f"is too large to read: its first sheet's used area needs more than "
                     f"{sheet_probe.PROBE_MEMORY_BYTES // 2**20:,} MB (delete stray cells far "
                     f"from the data, or save it as .csv)")
    cells = found["rows"] * found["columns"]
    if cells > MAX_SHEET_CELLS:
        raise refuse(f"its first sheet's used area is {found['rows']:,} rows by "
                     f"{found['columns']:,} columns ({cells:,} cells, more than "
                     f"{MAX_SHEET_CELLS:,}): delete unused columns or stray cells far from "
                     f"the data, or save it as .csv")
    return int(found["sheet"])
