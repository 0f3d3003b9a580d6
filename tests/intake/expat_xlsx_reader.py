"""The hand-written .xlsx reader the import used before calamine, kept only as the reference its
replacement is checked against (test_import_xlsx.py): expat streams the sheet XML and openpyxl
supplies the sheet, shared strings and date styles, as the import did until then."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

from api.intake.spreadsheet import Sheet, cell_text, columns_of, refuse, to_row


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Every data row as (row number, fields), as the old reader gave them to the importer."""
    with _open_xlsx(path) as sheet:
        return list(sheet.rows)


def _open_xlsx(path: Path) -> Sheet:
    """Streams the first worksheet's XML through expat, converting only the mapped columns.

    openpyxl finds the sheet, the shared strings' part and the date styles, but its
    read-only worksheet is bypassed: it parses the whole sheet once more just to size it when
    the file has no <dimension> (openpyxl's own write-only files have none) and builds
    several objects per cell, which made parsing cost more than writing the candidates.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import SHARED_STRINGS

    handle = path.open("rb")
    try:
        reader = ExcelReader(handle, read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheet_path = next((rel.target for _, rel in reader.parser.find_sheets()
                           if "chartsheet" not in rel.Type
                           and rel.target in reader.valid_files), None)
        strings_part = reader.package.find(SHARED_STRINGS)
        strings: list[str] = []
        if strings_part is not None:
            with reader.archive.open(strings_part.PartName[1:]) as src:
                strings = _SheetXml.shared_strings(src)
    except Exception:
        handle.close()
        raise refuse("is a damaged .xlsx file") from None
    archive = reader.archive
    if sheet_path is None:
        archive.close()
        handle.close()
        raise refuse("has no worksheet")
    source = archive.open(sheet_path)

    def close() -> None:
        source.close()
        archive.close()
        handle.close()

    sheet = _SheetXml(source, strings, set(reader.wb._date_formats),
                      set(reader.wb._timedelta_formats), reader.wb.epoch)
    raw_rows = sheet.rows()
    try:
        header = next((cells for _, cells, _ in raw_rows if sheet.any_text(cells, [])), None)
        columns = columns_of([header.get(i) for i in range(max(header) + 1)] if header else [])
    except Exception:
        close()
        raise
    sheet.wanted = set(columns)
    width = max(columns) + 1

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, cells, others in raw_rows:
            if sheet.any_text(cells, others):
                yield number, to_row([cells.get(i) for i in range(width)], columns)

    return Sheet("xlsx", columns, rows(), close)


class _SheetXml:
    """The rows of one worksheet's XML, parsed with expat callbacks in fixed-size chunks.

    Cell values are what openpyxl's read-only, data_only mode gives (shared and inline strings,
    numbers, booleans, dates by style); formulas count by their cached result. Only the
    `wanted` columns are converted; other cells are kept raw, to tell whether a row is empty.
    """

    CHUNK = 64 * 1024

    def __init__(self, source: Any, strings: list[str], date_styles: set[int],
                 duration_styles: set[int], epoch: Any) -> None:
        self.source = source
        self.strings = strings
        self.date_styles = date_styles
        self.duration_styles = duration_styles
        self.epoch = epoch
        self.wanted: set[int] | None = None
        self._columns: dict[str, int] = {}

    def rows(self) -> Iterator[tuple[int, dict[int, Any], list[tuple[str, str, str | None]]]]:
        """(row number, converted cells by 0-based column, raw unconverted cells) per <row>."""
        done: list[tuple[int, dict[int, Any], list[tuple[str, str, str | None]]]] = []
        parts: list[str] = []
        row, col, kind, style = 0, -1, "n", None
        cells: dict[int, Any] = {}
        others: list[tuple[str, str, str | None]] = []
        in_cell = capture = False
        phonetic = 0

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, col, kind, style, cells, others, in_cell, capture, phonetic
            tag = name[name.find(":") + 1:]
            if tag == "c":
                col = self._column(attrs.get("r"), col + 1)
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                in_cell = True
                parts.clear()
            elif tag == "row":
                given = attrs.get("r")
                row = int(given) if given and given.isdigit() else row + 1
                col = -1
                cells = {}
                others = []
            elif tag == "rPh":
                phonetic += 1
            elif in_cell and (tag == "v" or (tag == "t" and not phonetic)):
                capture = True

        def end(name: str) -> None:
            nonlocal in_cell, capture, phonetic
            tag = name[name.find(":") + 1:]
            if tag == "v" or tag == "t":
                capture = False
            elif tag == "c":
                in_cell = False
                text = "".join(parts)
                if self.wanted is None or col in self.wanted:
                    cells[col] = self.value(kind, text, style)
                elif text:
                    others.append((kind, text, style))
            elif tag == "row":
                done.append((row, cells, others))
            elif tag == "rPh":
                phonetic -= 1

        def text(data: str) -> None:
            if capture:
                parts.append(data)

        parser = _expat_parser(start, end, text)
        try:
            while chunk := self.source.read(self.CHUNK):
                parser.Parse(chunk, False)
                yield from done
                done.clear()
            parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, zlib.error):
            raise refuse("is a damaged .xlsx file") from None
        yield from done

    def _column(self, reference: str | None, position: int) -> int:
        """0-based column of "BC12" (cached per letter prefix); the position if absent."""
        if not reference:
            return position
        letters = reference.rstrip("0123456789")
        index = self._columns.get(letters)
        if index is None:
            from openpyxl.utils.cell import column_index_from_string

            try:
                index = self._columns[letters] = column_index_from_string(letters) - 1
            except ValueError:
                index = position
        return index

    def any_text(self, cells: dict[int, Any], others: list[tuple[str, str, str | None]]) -> bool:
        return any(cell_text(v) for v in cells.values()) or any(
            cell_text(self.value(*raw)) for raw in others)

    def value(self, kind: str, text: str, style: str | None) -> Any:
        if kind == "inlineStr":
            return text
        if not text:
            return None
        try:
            if kind == "s":
                return self.strings[int(text)]
            if kind == "n":
                number: Any = float(text) if any(c in text for c in ".Ee") else int(text)
                if style and int(style) in self.date_styles:
                    from openpyxl.utils.datetime import from_excel

                    number = from_excel(number, self.epoch,
                                        timedelta=int(style) in self.duration_styles)
                return number
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                from openpyxl.utils.datetime import from_ISO8601

                return from_ISO8601(text)
        except (ValueError, IndexError, OverflowError):
            return text
        return text

    @staticmethod
    def shared_strings(source: Any) -> list[str]:
        """The shared strings table: each <si>'s text without phonetic hints (like openpyxl)."""
        strings: list[str] = []
        parts: list[str] = []
        state = {"capture": False, "phonetic": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = name[name.find(":") + 1:]
            if tag == "si":
                parts.clear()
            elif tag == "rPh":
                state["phonetic"] += 1
            elif tag == "t" and not state["phonetic"]:
                state["capture"] = True

        def end(name: str) -> None:
            tag = name[name.find(":") + 1:]
            if tag == "t":
                state["capture"] = False
            elif tag == "si":
                strings.append("".join(parts).replace("x005F_", ""))
            elif tag == "rPh":
                state["phonetic"] -= 1

        def text(data: str) -> None:
            if state["capture"]:
                parts.append(data)

        parser = _expat_parser(start, end, text)
        parser.ParseFile(source)
        return strings


def _expat_parser(start: Any, end: Any, text: Any) -> Any:
    """A streaming XML parser calling back on each element's start, end and text."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True
    return parser
