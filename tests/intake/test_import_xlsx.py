"""The .xlsx reader (calamine): the rows the hand-written expat reader gave before it, on varied
workbooks; the values openpyxl's read-only mode gives; shared strings as Excel writes them;
row numbers as the spreadsheet shows them; damaged and oversized sheets refused up front."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from api.intake import spreadsheet
from api.intake.spreadsheet import columns_of, open_sheet, to_row
from domain.errors import ValidationFailed
from tests.intake.expat_xlsx_reader import read_rows as read_with_expat

MAX_BYTES = 10_000_000
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def read(path: Path) -> list[tuple[int, dict]]:
    with open_sheet(path, MAX_BYTES) as sheet:
        return list(sheet.rows)


HEADER = ["E-Mail", "First Name", "Surname", "Mobile", "Tags", "City", "Job Title", "LinkedIn",
          "Source", "Notes"]
VARIED = [
    ["ada@example.com", "Ada", "Lovelace", 447700900123, "a, b;c", "London", "Analyst",
     "https://in/ada", "Fair", "unmapped"],
    ["bob@example.com", "  Bob ", None, 4.4770090012e11, None, 1.5, True, None, False, None],
    ["cy@example.com", None, "Only Last", -3.25, "x", date(2024, 3, 1),
     datetime(2024, 3, 1, 9, 30), datetime(2024, 3, 1, 9, 30, 15, 123456), time(9, 30), 0.1],
    ["dee@example.com", "Dee", "Day", 1e20, "   ", timedelta(hours=30, minutes=5),
     date(1970, 1, 1), date(2000, 2, 29), datetime(2024, 12, 31, 23, 59, 59), "=1+1"],
    [None] * 10,
    [None, None, None, None, None, None, None, None, None, "only an unmapped column"],
    ["   ", "", None, None, None, None, None, None, None, None],
    ["Élodie@Example.com", "Élodie", "Čapek", 0, "ünïcode, 東京", "Zürich", 12, 7.0, None,
     None],
    [None, "No", "Mail", "+44 20 7000 0000", None, None, None, None, None, None],
]


def _varied_workbook(path: Path, *, write_only: bool, epoch_1904: bool,
                     offset: bool) -> Path:
    """Every kind of cell (text, whole and fractional numbers, booleans, dates, times,
    durations, formulas without a cached value, empty and blank cells) in both ways openpyxl
    saves a sheet: shared strings with a <dimension>, or inline strings without one."""
    book = openpyxl.Workbook(write_only=write_only)
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.create_sheet("People") if write_only else book.active
    lead = [None, None] if offset else []
    if offset:  # the header in row 3, column C
        sheet.append([])
        sheet.append([])
    # Around Excel's phantom 1900-02-29; a 1904 workbook has no dates before 1904.
    early = [] if epoch_1904 else [["eve@example.com", None, None, None, None,
                                    date(1900, 1, 15), date(1900, 3, 1), date(1900, 2, 28)]]
    for values in [HEADER, *VARIED, *early]:
        sheet.append(lead + list(values))
    if not write_only:
        sheet.cell(row=30, column=3 if offset else 1, value="gap@example.com")
        sheet.cell(row=30, column=6 if offset else 4, value="+44 20 7946 0000")
    book.save(path)
    return path


@pytest.mark.parametrize("write_only, epoch_1904, offset", [
    (False, False, False), (True, False, False), (False, True, True), (True, True, True)])
def test_the_rows_are_those_the_expat_reader_gave(tmp_path, write_only, epoch_1904, offset):
    path = _varied_workbook(tmp_path / "varied.xlsx", write_only=write_only,
                            epoch_1904=epoch_1904, offset=offset)

    old = read_with_expat(path)
    assert read(path) == old
    assert len(old) == 7 + (not write_only) + (not epoch_1904)
    assert old[0][1]["phones"] == ["447700900123"]


def test_the_bench_spreadsheet_reads_as_the_expat_reader_read_it(tmp_path):
    from api.bench.data import write_spreadsheet

    path = write_spreadsheet(tmp_path / "bench.xlsx", 3_000)

    rows = read(path)
    assert rows == read_with_expat(path)
    assert rows[-1] == (3_001, {"name": "Imported Person 2999", "email": "import2999@example.com",
                                "phones": ["+44 20 7000 2999"], "tags": ["python", "remote"],
                                "source": "Career fair", "location": "Manchester",
                                "links": []})


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
               # rich text runs join (Excel marks a run's edge spaces as preserved); the
               # phonetic reading is not part of the value
               '<x:r><x:t xml:space="preserve">Kim </x:t></x:r><x:r><x:rPr><x:b/></x:rPr>'
               "<x:t>Lee</x:t></x:r><x:rPh sb='0' eb='1'><x:t>kimu</x:t></x:rPh>",
               "<x:t>Tom &amp; Co</x:t>"]
    rows = ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v>'
            '</x:c><x:c r="C1" t="s"><x:v>2</x:v></x:c></x:row>'
            '<x:row r="4"><x:c r="A4" t="s"><x:v>3</x:v></x:c><x:c r="B4" t="s"><x:v>4</x:v>'
            '</x:c><x:c r="C4"><x:v>4477009001</x:v></x:c></x:row>'
            '<x:row r="9"><x:c r="B9" t="s"><x:v>5</x:v></x:c>'
            '<x:c r="C9" t="str"><x:f>A1</x:f><x:v>cached</x:v></x:c></x:row>')
    path = _workbook_as_excel_writes_it(tmp_path / "excel.xlsx", rows, strings)

    expected = [
        (4, {"email": "kim@example.com", "name": "Kim Lee", "phones": ["4477009001"],
             "tags": [], "links": []}),
        (9, {"name": "Tom & Co", "phones": ["cached"], "tags": [], "links": []}),
    ]
    assert read(path) == expected
    assert read_with_expat(path) == expected


def test_error_cells_read_as_empty(tmp_path):
    """The one value the expat reader gave otherwise: it kept an error's text (#N/A)."""
    rows = ('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c>'
            '<x:c r="B1" t="inlineStr"><x:is><x:t>City</x:t></x:is></x:c></x:row>'
            '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a@example.com</x:t></x:is>'
            '</x:c><x:c r="B2" t="e"><x:f>VLOOKUP(A2,X:Y,2)</x:f><x:v>#N/A</x:v></x:c></x:row>')
    path = _workbook_as_excel_writes_it(tmp_path / "errors.xlsx", rows, [])

    assert read(path) == [(2, {"email": "a@example.com", "phones": [], "tags": [],
                               "links": []})]
    assert read_with_expat(path)[0][1]["location"] == "#N/A"


def test_a_sheet_whose_xml_breaks_off_is_refused_as_damaged(tmp_path):
    rows = ('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c>'
            '</x:row><x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a@example.com'
            '</x:t></x:is></x:c></x:row><x:row r="3"><x:c r="A3"')
    path = _workbook_as_excel_writes_it(tmp_path / "cut.xlsx", rows, [], end="")

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert "damaged .xlsx" in refused.value.details["file"][0]


def test_a_sheet_damaged_near_its_end_is_refused_before_anything_is_imported(app, admin,
                                                                             tmp_path):
    """The whole sheet is parsed when the file is opened, so a file cut off after 1,200 good
    rows records no job and no candidate (the expat reader imported two batches first)."""
    from api.intake.importer import prepare_import

    row = ('<x:row r="{n}"><x:c r="A{n}" t="inlineStr"><x:is><x:t>{a}</x:t></x:is></x:c>'
           '<x:c r="B{n}" t="inlineStr"><x:is><x:t>{b}</x:t></x:is></x:c></x:row>')
    rows = row.format(n=1, a="Email", b="Name") + "".join(
        row.format(n=i + 2, a=f"cut{i}@example.com", b=f"Cut {i}") for i in range(1_200))
    path = _workbook_as_excel_writes_it(tmp_path / "cut.xlsx", rows + '<x:row r="9999"><x:c',
                                        [], end="")
    before = app.store.recorder.max_notification_id()

    with pytest.raises(ValidationFailed) as refused:
        prepare_import(app, path, admin)

    assert "damaged .xlsx" in refused.value.details["file"][0]
    assert app.store.recorder.max_notification_id() == before
    assert app.adapters.emails.owner("cut0@example.com") is None


def test_a_stray_cell_far_from_the_data_is_refused_without_harm(tmp_path):
    """calamine holds the used area densely: a value in XFD1048576 would need 550 GB and
    abort the process. It is measured in a process of its own, and the file refused."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "Name"])
    sheet.append(["far@example.com", "Far Away"])
    sheet["XFD1048576"] = " "
    path = tmp_path / "far.xlsx"
    book.save(path)

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert "too large to read" in refused.value.details["file"][0]
    assert "stray cells" in refused.value.details["file"][0]


def test_a_used_area_over_the_cell_limit_is_refused_with_its_size(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Email", "Name", "Notes"])
    for i in range(4):
        sheet.append([f"p{i}@example.com", f"Person {i}"])
    sheet["E2"] = "stray"
    path = tmp_path / "wide.xlsx"
    book.save(path)
    monkeypatch.setattr(spreadsheet, "MAX_SHEET_CELLS", 24)

    with pytest.raises(ValidationFailed) as refused:
        read(path)
    assert "is 5 rows by 5 columns (25 cells, more than 24)" in \
        refused.value.details["file"][0]
    monkeypatch.setattr(spreadsheet, "MAX_SHEET_CELLS", 25)
    assert len(read(path)) == 4
