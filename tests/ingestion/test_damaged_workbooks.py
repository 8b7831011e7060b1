"""Reading what is left of a cut-off .xlsx: members before the cut, rows before the damage,
shared strings and date styles where they survived."""

import datetime as dt
import zipfile

from ingestion.sources.damaged_workbooks import members, salvage

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKBOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    '<sheet name="销售明细" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>'
)
STRINGS = f'<sst xmlns="{MAIN}"><si><t>主订单编号</t></si><si><t>订单创建时间</t></si></sst>'
STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts><numFmt numFmtId="164" formatCode="yyyy/m/d h:mm"/>'
    '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)


def _sheet(rows: int) -> str:
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="str"><v>36{n:014d}</v></c>'
        f'<c r="B{n}" s="1"><v>45413.4166666667</v></c></row>'
        for n in range(2, rows + 2)
    )
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    return f'<worksheet xmlns="{MAIN}"><sheetData>{header}{body}</sheetData></worksheet>'


def test_rows_before_the_cut_with_their_strings_and_dates(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", RELS)
        book.writestr("xl/sharedStrings.xml", STRINGS)
        book.writestr("xl/styles.xml", STYLES)
        book.writestr("xl/worksheets/sheet1.xml", _sheet(5000))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 2000])  # the end of the sheet and the directory
    assert not zipfile.is_zipfile(path)
    found = members(path)
    assert found["xl/styles.xml"][1] and not found["xl/worksheets/sheet1.xml"][1]
    (sheet,) = salvage(path)
    assert sheet.title == "销售明细" and not sheet.complete
    assert sheet.rows[0] == ["主订单编号", "订单创建时间"]
    assert 100 < len(sheet.rows) < 5001
    assert sheet.rows[1] == ["3600000000000002", dt.datetime(2024, 5, 1, 10, 0)]
    assert all(len(row) == 2 for row in sheet.rows)  # no half row
