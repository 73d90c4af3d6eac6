"""Tables to and from spreadsheets, for any service's Excel interchange.

A service describes its table as `Column`s (key, Chinese header, how a cell is read, whether
required); `read_rows` turns each line of an .xlsx or .csv file into `{"row", "fields"}` for the
service's own schema to judge, `write_xlsx` writes rows that import again, and `send_in_chunks`
hands rows to the service chunk by chunk while the file is still being read. Reading only
interprets cells (Excel's number and date types, Chinese words): a value it cannot interpret is
passed on as text, for the schema to report with its row and column.
"""

import csv
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl
from openpyxl.cell import WriteOnlyCell

from services.kit.pure.errors import InvalidInput, TooLarge

# Excel saves a date cell to CSV in the system's short form, 2024/3/5 on Chinese systems.
DATE_TEXT = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
# Characters XML 1.0 cannot carry; openpyxl refuses some of them and writes the rest unreadably.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
UNREADABLE_WORKBOOK = "the file is not a readable .xlsx workbook"
UNREADABLE_CSV = "the file is not a readable CSV file"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_CHUNK = 500


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def text(value):
    """A cell as text; Excel keeps every number as a float, so 13800000000.0 is 13800000000."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def iso_date(value, *, pattern=DATE_TEXT):
    """A date cell, or date text in the forms people type (`pattern`: year, month, day), as
    YYYY-MM-DD; else the text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    written = text(value)
    match = pattern.fullmatch(written)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:  # 2024-02-30: left for the schema to report
            pass
    return written


def number(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    written = text(value)
    try:
        return float(written)
    except ValueError:
        return written


# What separates the items of a list written in one cell.
SEPARATORS = "、，,;；\n"


def text_list(value):
    """A cell holding a list (甲、乙；丙) as its items."""
    written = text(value)
    for separator in SEPARATORS[1:]:
        written = written.replace(separator, SEPARATORS[0])
    return [part.strip() for part in written.split(SEPARATORS[0]) if part.strip()]


def words(mapping):
    """A reader that turns a Chinese word (or the code itself) into its code."""
    return lambda value: mapping.get(text(value), text(value))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    read: Callable = text
    required: bool = False
    # False: written on export, recognised and passed over on import (a state the service
    # computes, say).
    imported: bool = True


class Table:
    """The columns of one kind of sheet."""

    def __init__(self, columns):
        self.columns = tuple(columns)
        self._by_header = {
            header.lower(): column
            for column in self.columns
            for header in (column.key, column.label)
        }

    def read_rows(self, stream, filename, *, max_rows=None):
        """The data rows of an .xlsx (first sheet) or .csv file as `{"row", "fields"}` dicts.

        The header is checked now, so an unreadable file or an unusable header raises
        InvalidInput before anything is imported; the rows are read as they are iterated. More
        than `max_rows` rows raises TooLarge.
        """
        return read_table(stream, filename, {None: self}, max_rows=max_rows)[1]

    def recognises(self, header):
        """Whether every labelled column of `header` is one of this table's."""
        return all(is_blank(cell) or text(cell).lower() in self._by_header for cell in header)

    def _positions(self, header):
        positions, unknown, repeated = {}, [], []
        for position, cell in enumerate(header):
            if is_blank(cell):
                continue  # an unlabelled column (stray formatting, a note) is not part of it
            name = text(cell)
            column = self._by_header.get(name.lower())
            if column is None:
                unknown.append(name)
            elif column in positions.values():
                repeated.append(name)
            else:
                positions[position] = column
        missing = [
            f"{column.label} ({column.key})"
            for column in self.columns
            if column.required and column not in positions.values()
        ]
        problems = [
            f"{what}: {', '.join(names)}"
            for what, names in (
                ("unknown columns", unknown),
                ("repeated columns", repeated),
                ("missing required columns", missing),
            )
            if names
        ]
        if problems:
            raise InvalidInput(
                "the header row is not usable: " + "; ".join(problems), {"columns": problems}
            )
        return positions

    def _rows(self, lines, positions, max_rows):
        count = 0
        for number_, cells in lines:
            fields = {
                column.key: column.read(cells[position])
                for position, column in positions.items()
                if column.imported and position < len(cells) and not is_blank(cells[position])
            }
            if not fields:
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                raise TooLarge(
                    f"the file has more than {max_rows} rows",
                    {"file": [f"at most {max_rows} rows per import"]},
                )
            yield {"row": number_, "fields": fields}

    def write_xlsx(self, rows, stream, title):
        """Write dicts keyed by column key (any iterable, consumed once) as a workbook whose
        first sheet imports again."""
        write_workbook(stream, [(title, self, rows)])


def read_table(stream, filename, tables, *, max_rows=None):
    """(name, rows) of a file holding one of several kinds of table ({name: Table}): the first
    whose columns cover the file's header is read (the last one's header errors are reported
    when none does)."""
    lines = _lines(stream, filename or "")
    for _, cells in lines:
        if not all(is_blank(cell) for cell in cells):
            name, table = next(
                ((name, table) for name, table in tables.items() if table.recognises(cells)),
                list(tables.items())[-1],
            )
            return name, table._rows(lines, table._positions(cells), max_rows)
    raise InvalidInput("the file has no header row", {"file": ["empty"]})


def write_workbook(stream, sheets):
    """Write [(title, table, rows)] as the sheets of one workbook, in order; rows are dicts keyed
    by column key, each iterable consumed once."""
    workbook = openpyxl.Workbook(write_only=True)
    for title, table, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([column.label for column in table.columns])
        for row in rows:
            sheet.append([_cell(sheet, row.get(column.key)) for column in table.columns])
    workbook.save(stream)


def _cell(sheet, value):
    if not isinstance(value, str):
        return value
    written = XML_ILLEGAL.sub("", value)
    if written.startswith(("=", "#", "+", "-", "@")):
        # Text only: openpyxl would store "=…" as a formula, and spreadsheets run formulas.
        cell = WriteOnlyCell(sheet, written)
        cell.data_type = "s"
        return cell
    return written


def _lines(stream, filename):
    extension = filename.lower().rpartition(".")[2]
    if extension == "xlsx":
        return _xlsx_lines(stream)
    if extension == "csv":
        return _csv_lines(stream)
    raise InvalidInput(
        "only .xlsx and .csv files can be imported",
        {"file": [f"unsupported file type: {filename}"]},
    )


def _xlsx_lines(stream):
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # whatever the zip or XML layer trips over, the upload is unusable
        raise InvalidInput(UNREADABLE_WORKBOOK, {"file": ["not an .xlsx workbook"]}) from error
    try:
        if not workbook.worksheets:
            raise InvalidInput(UNREADABLE_WORKBOOK, {"file": ["the workbook has no worksheet"]})
        sheet = workbook.worksheets[0]
        # Some producers write a wrong <dimension>, which would cut rows off: read all rows.
        sheet.reset_dimensions()
        yield from _guarded(enumerate(sheet.iter_rows(values_only=True), 1), UNREADABLE_WORKBOOK)
    finally:
        workbook.close()


def _csv_lines(stream):
    content = stream.read()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(UNREADABLE_CSV, {"file": ["neither UTF-8 nor GB18030 text"]})
    # Numbered by record, not physical line, to match the row numbers Excel shows.
    yield from _guarded(enumerate(csv.reader(io.StringIO(decoded, newline="")), 1), UNREADABLE_CSV)


def _guarded(lines, message):
    """Parsing is lazy, so a damaged file can fail mid-way: that is bad input too."""
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except Exception as error:  # any parser failure means the file is damaged
            raise InvalidInput(message, {"file": ["damaged or not a spreadsheet"]}) from error
        yield line


def send_in_chunks(rows, send, on_progress=None, in_flight=1, chunk_size=IMPORT_CHUNK):
    """Send rows to a service chunk by chunk; the per-row report, in row order.

    Chunks go out from background threads while the next ones are still being read, so parsing
    and storing overlap. `in_flight` > 1 lets the service check one chunk while the database
    stores another; `send` must then be safe to call from several threads at once.
    """
    done = []

    def deliver(chunk):
        lines = send(chunk)
        done.append(len(lines))
        if on_progress:
            on_progress(sum(done))
        return lines

    with ThreadPoolExecutor(max_workers=in_flight) as sender:
        pending, chunk = [], []
        for row in rows:
            chunk.append(row)
            if len(chunk) == chunk_size:
                pending.append(sender.submit(deliver, chunk))
                chunk = []
        if chunk:
            pending.append(sender.submit(deliver, chunk))
        try:
            return [line for future in pending for line in future.result()]
        except BaseException:
            for future in pending:
                future.cancel()  # the service refused or went away: send nothing more
            raise
