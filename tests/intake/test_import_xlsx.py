"""The streaming .xlsx reader: the values openpyxl's read-only mode would give, shared strings
as Excel writes them, row numbers as the spreadsheet shows them, and damaged sheets refused."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from api.intake.spreadsheet import columns_of, open_sheet, to_row
from domain.errors import ValidationFailed

MAX_BYTES = 10_000_000
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def read(path: Path) -> list[tuple[int, dict]]:
    with open_sheet(path, MAX_BYTES) as sheet:
        return list(sheet.rows)


def test_values_match_openpyxl_read_only_mode(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Phone", "Tags", "Location", "Title", "Notes"])
    sheet.append(["Ada", "ada@example.com", 447700900123, "a, b", 1.5, True, "ignored"])
    sheet.append(["Bob", "bob@example.com", 4.4770090012e11, None, date(2024, 3, 1),
                  datetime(2024, 3, 1, 9, 30), None])
    sheet.append([None] * 7)
    sheet.append([None, None, None, None, None, None, "only an unmapped column"])
    sheet["A7"] = "Gap"
    sheet["C7"] = "+44 20 7000 0000"
    sheet["B7"] = "gap@example.com"
    path = tmp_path / "kinds.xlsx"
    book.save(path)

    reference = openpyxl.load_workbook(path, read_only=True, data_only=True).active
    values = list(reference.iter_rows(values_only=True))
    columns = columns_of(list(values[0]))
    expected = [(n, to_row(row, columns)) for n, row in enumerate(values[1:], start=2)
                if any(v is not None and str(v).strip() for v in row)]

    assert read(path) == expected
    assert [n for n, _ in expected] == [2, 3, 5, 7]


def _workbook_as_excel_writes_it(path: Path, sheet_rows: str, strings: list[str],
                                 end: str = "</x:sheetData></x:worksheet>") -> Path:
    """A minimal package with a shared strings table, a <dimension> and prefixed tags."""
    items = "".join(f"<x:si>{s}</x:si>" for s in strings)
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxml'
            'formats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>',
        "xl/workbook.xml":
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
            '<sheet name="People" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<x:sst xmlns:x="{MAIN}">{items}</x:sst>',
        "xl/worksheets/sheet1.xml":
            f'<x:worksheet xmlns:x="{MAIN}"><x:dimension ref="A1:C9"/>'
            f"<x:sheetData>{sheet_rows}{end}",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def test_shared_strings_rich_text_and_row_numbers_as_excel_writes_them(tmp_path):
    strings = ["<x:t>E-mail</x:t>", "<x:t>Full name</x:t>", "<x:t>Mobile</x:t>",
               "<x:t>kim@example.com</x:t>",
               # rich text runs join; the phonetic reading is not part of the value
               "<x:r><x:t>Kim </x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>Lee</x:t></x:r>"
               "<x:rPh sb='0' eb='1'><x:t>kimu</x:t></x:rPh>",
               "<x:t>Tom &amp; Co</x:t>"]
    rows = ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v>'
            '</x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c></x:row>'
            '<x:row r="4"><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" t="s"><x:v>4</x:v>'
            '</x:c><x:c r="C4"><x:v>4477009001</x:v></x:c></x:row>'
            '<x:row r="9"><x:c r="B9" t="s"><x:v>5</x:v></x:c>'
            '<x:c r="C9" t="str"><x:f>A1</x:f><x:v>cached</x:v></x:c></x:row>')
    path = _workbook_as_excel_writes_it(tmp_path / "excel.xlsx", rows, strings)

    assert read(path) == [
        (4, {"email": "kim@example.com", "name": "Kim Lee", "phones": ["4477009001"],
             "tags": [], "links": []}),
        (9, {"name": "Tom & Co", "phones": ["cached"], "tags": [], "links": []}),
    ]


def test_a_sheet_whose_xml_breaks_off_is_refused_as_damaged(tmp_path):
    rows = ('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c>'
            '</x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a@example.com'
            '</x:t></x:is></x:c></x:row><x:row r="3"><x:c r="A3"')
    path = _workbook_as_excel_writes_it(tmp_path / "cut.xlsx", rows, [], end="")

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert "damaged .xlsx" in refused.value.details["file"][0]


def test_a_sheet_damaged_after_two_batches_keeps_them_and_fails_the_job(app, admin, tmp_path):
    from api.intake.importer import prepare_import

    row = ('<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>{a}</x:t></x:is></x:c>'
           '<x:c r="B{n}" t="inlineStr"><x:is><x:t>{b}</x:t></x:is></x:c></x:row>')
    rows = row.format(n=1, a="Email", b="Name") + "".join(
        row.format(n=i + 2, a=f"cut{i}@example.com", b=f"Cut {i}") for i in range(1_200))
    path = _workbook_as_excel_writes_it(tmp_path / "cut.xlsx", rows + '<x:row r="9999"><x:c',
                                        [], end="")
    prepared = prepare_import(app, path, admin)

    with pytest.raises(ValidationFailed):
        prepared.run()

    job = app.imports.job(prepared.id)
    assert (job.status, job.rows_imported) == ("failed", 1_000)
    assert "damaged .xlsx" in job.failure
    assert app.candidates.find_by_email("cut999@example.com") is not None
    assert app.adapters.emails.owner("cut1000@example.com") is None
