"""Reading an import file (.xlsx with a sheet per kind, or one .csv per kind) into validated rows. Pure.

Sheets and columns (headers matched without diacritics or case):
    Đơn vị:      Mã | Tên | Tên ngắn | Cấp | Khối | Mã cấp trên
    Người dùng:  Họ tên | Tên đăng nhập | Điện thoại | Vai trò | Mã đơn vị | Chức vụ
    Chỉ tiêu:    Mã đơn vị | Loại | Năm | Năm kết thúc | Chỉ tiêu | Kế hoạch quý
    Số liệu:     Mã đơn vị | Kỳ | Kết nạp | Nữ | Dân tộc thiểu số | Tôn giáo | Đoàn viên | HS-SV | DN ngoài NN
                 | ĐH trở lên
    Nguồn, rà soát: Mã đơn vị | Kỳ | Nguồn | Đã học lớp nhận thức | Dự kiến cử đi học | Đã rà soát
                 | Đưa ra khỏi Đảng | Tiếp tục theo dõi   (each row: a pipeline and/or a screening snapshot, stored
                 as the chat stores "nguồn 30, đã học lớp nhận thức 12" and "rà soát 5, đưa ra khỏi Đảng 1")
                 (Số liệu) | one column per other indicator of the list (issue 17 §3: the list is data; the
                 reader keeps any further column by its header, and `bot.services.imports` matches the header
                 with the indicator list — a header that names no indicator is a problem)

Every problem is reported with its sheet, row and column; a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.models import (
    BREAKDOWN_FIELDS,
    PIPELINE_FIELDS,
    SCREENING_FIELDS,
    UNDER_PROVINCE,
    Role,
    UnitKind,
)
from bot.domain.normalize import fold
from bot.domain.periods import Period, PeriodKind
from bot.domain.textfmt import num
from bot.domain.vocabulary import KIND_READINGS, KIND_WORDS
from bot.language.periods import find_period

MAX_ROWS = 100_000  # default cap on data rows per sheet (settings: IMPORT_MAX_ROWS)


@dataclass(frozen=True)
class Limits:
    """What a file may be before it is opened: its size, what its zip unpacks to, how many entries it holds, and
    how many rows a sheet may have."""

    max_bytes: int = 10 * 1_048_576
    max_uncompressed: int = 20 * 1_048_576
    max_entries: int = 50
    max_rows: int = MAX_ROWS


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    aliases: tuple[str, ...] = ()
    required: bool = False


SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "units": (
        "Đơn vị",
        (
            Column("code", "Mã", ("ma don vi", "ma"), True),
            Column("name", "Tên", ("ten don vi", "ten"), True),
            Column("short", "Tên ngắn", ("ten ngan", "ten goi tat")),
            Column("kind", "Cấp", ("cap", "loai to chuc")),
            Column("category", "Khối", ("khoi", "loai hinh")),
            Column("parent", "Mã cấp trên", ("ma cap tren", "cap tren", "ma don vi cap tren")),
        ),
    ),
    "users": (
        "Người dùng",
        (
            Column("name", "Họ tên", ("ho ten", "ho va ten", "ten"), True),
            Column("login", "Tên đăng nhập", ("ten dang nhap", "dang nhap", "login")),
            Column("phone", "Điện thoại", ("dien thoai", "so dien thoai", "sdt")),
            Column("role", "Vai trò", ("vai tro",), True),
            Column("unit", "Mã đơn vị", ("ma don vi", "don vi"), True),
            Column("title", "Chức vụ", ("chuc vu",)),
        ),
    ),
    "targets": (
        "Chỉ tiêu",
        (
            Column("unit", "Mã đơn vị", ("ma don vi", "don vi"), True),
            Column("scope", "Loại", ("loai", "loai chi tieu"), True),
            Column("year", "Năm", ("nam", "nam bat dau"), True),
            Column("end_year", "Năm kết thúc", ("nam ket thuc",)),
            Column("value", "Chỉ tiêu", ("chi tieu", "so luong"), True),
            Column("plan", "Kế hoạch quý", ("ke hoach quy", "theo quy")),
        ),
    ),
    "reports": (
        "Số liệu",
        (
            Column("unit", "Mã đơn vị", ("ma don vi", "don vi"), True),
            Column("period", "Kỳ", ("ky", "ky bao cao"), True),
            Column("admitted", "Kết nạp", ("ket nap", "so ket nap", "dvm"), True),
            Column("female", "Nữ", ("nu",)),
            Column("ethnic_minority", "Dân tộc thiểu số", ("dan toc thieu so", "dtts")),
            Column("religious", "Tôn giáo", ("ton giao",)),
            Column("youth_union", "Đoàn viên", ("doan vien", "doan vien thanh nien")),
            Column("student", "HS-SV", ("hs sv", "hs-sv", "hoc sinh sinh vien")),
            Column("private_sector", "DN ngoài NN", ("dn ngoai nn", "doanh nghiep ngoai nha nuoc")),
            Column("university", "ĐH trở lên", ("dh tro len", "dai hoc tro len")),
        ),
    ),
    "history": (
        "Nguồn, rà soát",
        (
            Column("unit", "Mã đơn vị", ("ma don vi", "don vi"), True),
            Column("period", "Kỳ", ("ky", "ky bao cao"), True),
            Column("pool", "Nguồn", ("nguon", "quan chung uu tu", "nguon quan chung uu tu")),
            Column("certified", "Đã học lớp nhận thức", ("da hoc lop nhan thuc", "nhan thuc", "lop nhan thuc ve dang")),
            Column("planned_class", "Dự kiến cử đi học", ("du kien cu di hoc", "du kien")),
            Column("reviewed", "Đã rà soát", ("da ra soat", "ra soat", "ra soat sang loc")),
            Column("removed", "Đưa ra khỏi Đảng", ("dua ra khoi dang", "sang loc", "dua ra")),
            Column("followed_up", "Tiếp tục theo dõi", ("tiep tuc theo doi", "theo doi giup do")),
        ),
    ),
}
SHEET_ALIASES = {
    "don vi": "units",
    "nguoi dung": "users",
    "chi tieu": "targets",
    "so lieu": "reports",
    "nguon ra soat": "history",
    "nguon va ra soat": "history",
    "nguon": "history",
}
HISTORY_KINDS = {"pipeline": PIPELINE_FIELDS, "screening": SCREENING_FIELDS}  # stored as the chat stores them
KINDS = KIND_READINGS  # the Cấp column (bot.domain.vocabulary)
ROLES = {
    "bao cao": Role.REPORTER,
    "nguoi bao cao": Role.REPORTER,
    "reporter": Role.REPORTER,
    "theo doi": Role.OFFICIAL,
    "can bo theo doi": Role.OFFICIAL,
    "official": Role.OFFICIAL,
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # as the spreadsheet numbers it (1 = the header)
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}, dòng {self.row}" + (f", cột “{self.column}”" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportFile:
    units: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.units) + len(self.users) + len(self.targets) + len(self.reports) + len(self.history)

    @property
    def empty(self) -> bool:
        return not self.rows


class FileRefused(Exception):
    """The file as a whole cannot be read (not a spreadsheet, too large...)."""


def read_file(name: str, content: bytes, limits: Limits | int) -> ImportFile:
    """Read an import file, refusing it before opening when it is (or unpacks to) more than `limits` allow."""
    if isinstance(limits, int):
        limits = Limits(max_bytes=limits)
    check_size(name, content, limits)
    if name.lower().endswith(".csv"):
        return _read_csv(content, limits.max_rows)
    return _read_xlsx(content, limits.max_rows)


def check_size(name: str, content: bytes, limits: Limits) -> None:
    """The cheap checks made before a file is parsed: its size and, for a spreadsheet, its zip directory (entry
    count and uncompressed size, which a zip bomb gives away without being unpacked)."""
    if len(content) > limits.max_bytes:
        raise FileRefused(f"Tệp quá lớn ({_mb(len(content))}; tối đa {_mb(limits.max_bytes)}).")
    if name.lower().endswith(".csv"):
        return
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise FileRefused("Tệp không phải bảng tính Excel (.xlsx) hay CSV. Xin dùng mẫu nhập (/maunhap).")
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused("Không đọc được tệp Excel (tệp hỏng). Xin lưu lại dạng .xlsx.") from None
    if len(entries) > limits.max_entries:
        raise FileRefused(
            f"Tệp Excel có {len(entries):,} thành phần (tối đa {limits.max_entries:,}): không giống bảng tính "
            "nhập liệu. Xin dùng mẫu nhập (/maunhap).".replace(",", ".")
        )
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_uncompressed:
        raise FileRefused(
            f"Tệp Excel khi giải nén lớn {_mb(unpacked)} (tối đa {_mb(limits.max_uncompressed)}): quá lớn để nhập. "
            "Xin chia thành nhiều tệp nhỏ hơn."
        )


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB".replace(".", ",")


def _too_many_rows(sheet: str, max_rows: int) -> FileRefused:
    return FileRefused(
        f"Trang “{sheet}” có hơn {max_rows:,} dòng (tối đa {max_rows:,}). Xin chia thành nhiều tệp.".replace(",", ".")
    )


def _read_xlsx(content: bytes, max_rows: int = MAX_ROWS) -> ImportFile:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), data_only=False)
    except MemoryError:
        raise  # the reading worker answers it (bot.importing.worker.TOO_BIG)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(f"Không đọc được tệp Excel ({type(exc).__name__}). Xin lưu lại dạng .xlsx.") from None
    out = ImportFile()
    known = False
    for ws in wb.worksheets:
        kind = SHEET_ALIASES.get(fold(ws.title))
        if kind is None:
            continue
        known = True
        if ws.max_row > max_rows + 1:
            raise _too_many_rows(ws.title, max_rows)
        for merged in ws.merged_cells.ranges:
            if merged.min_row > 1:
                out.problems.append(Problem(ws.title, merged.min_row, "", f"ô gộp {merged.coord}: xin bỏ gộp ô"))
        rows = [[cell.value for cell in row] for row in ws.iter_rows()]
        _read_rows(out, kind, ws.title, rows, max_rows)
    if not known:
        raise FileRefused(
            "Không thấy trang “Đơn vị”, “Người dùng”, “Chỉ tiêu”, “Số liệu” hay “Nguồn, rà soát”. Xin dùng mẫu nhập."
        )
    return out


def _read_csv(content: bytes, max_rows: int = MAX_ROWS) -> ImportFile:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused("Tệp CSV cần mã hóa UTF-8.")
    reader = csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ",")
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) > max_rows + 1:  # the header and max_rows data rows
            raise _too_many_rows("CSV", max_rows)
    if not rows:
        raise FileRefused("Tệp CSV trống.")
    header = {fold(str(h)) for h in rows[0]}
    best = max(SHEETS, key=lambda k: len(header & {a for c in SHEETS[k][1] for a in (*c.aliases, fold(c.title))}))
    out = ImportFile()
    _read_rows(out, best, SHEETS[best][0], rows, max_rows)
    return out


def _read_rows(out: ImportFile, kind: str, sheet: str, rows: list[list[Any]], max_rows: int = MAX_ROWS) -> None:
    _, columns = SHEETS[kind]
    header_at = next((i for i, r in enumerate(rows) if any(_text(v) for v in r)), None)
    if header_at is None:
        return
    header = [fold(_text(v)) for v in rows[header_at]]
    where: dict[str, int] = {}
    for column in columns:
        names = {fold(column.title), *column.aliases}
        index = next((i for i, h in enumerate(header) if h in names), None)
        if index is not None:
            where[column.key] = index
        elif column.required:
            out.problems.append(Problem(sheet, header_at + 1, column.title, "thiếu cột này"))
    if any(c.required and c.key not in where for c in columns):
        return
    if len(rows) - header_at - 1 > max_rows:
        raise _too_many_rows(sheet, max_rows)
    target = getattr(out, kind)
    # Số liệu: every other titled column is an indicator's (matched with the list by the import service)
    others = (
        {i: _text(v) for i, v in enumerate(rows[header_at]) if _text(v) and i not in where.values()}
        if kind == "reports"
        else {}
    )
    for number, row in enumerate(rows[header_at + 1 :], header_at + 2):
        values = {k: (row[i] if i < len(row) else None) for k, i in where.items()}
        extra = {title: row[i] for i, title in others.items() if i < len(row) and _text(row[i])}
        if not any(_text(v) for v in values.values()) and not extra:
            continue  # empty rows are skipped
        problems = [
            Problem(sheet, number, _title(columns, k), "là công thức; xin dán giá trị")
            for k, v in values.items()
            if isinstance(v, str) and _text(v).startswith("=")  # stripped first: " =1+1" is a formula too
        ]
        if problems:
            out.problems += problems
            continue
        record, issues = CHECKS[kind](values)
        out.problems += [Problem(sheet, number, _title(columns, k), msg) for k, msg in issues]
        extra_issues = _check_extra(extra, record.get("figures", {}).get("admitted")) if others else []
        out.problems += [Problem(sheet, number, title, msg) for title, msg in extra_issues]
        if issues or extra_issues:
            continue
        if others:
            record["columns"] = {title: _int(v) for title, v in extra.items()}
        if kind == "history":  # one row, up to two snapshots: nguồn (pipeline) and rà soát (screening)
            for store_kind, figures in record.pop("snapshots").items():
                target.append(record | {"kind": store_kind, "figures": figures, "_row": number})
        else:
            target.append(record | {"_row": number})


def _check_extra(extra: dict[str, Any], admitted: int | None) -> list[tuple[str, str]]:
    """The indicator columns beyond the fixed ones: whole numbers ≥ 0, none above the row's total."""
    issues = []
    for title, raw in extra.items():
        if isinstance(raw, str) and _text(raw).startswith("="):
            issues.append((title, "là công thức; xin dán giá trị"))
            continue
        number = _int(raw)
        if number is None or number < 0:
            issues.append((title, f"phải là số nguyên không âm, không phải “{_text(raw)}”"))
        elif admitted is not None and number > admitted:
            issues.append((title, f"{num(number)} lớn hơn tổng số kết nạp ({num(admitted)}) của dòng này"))
    return issues


def _title(columns: Iterable[Column], key: str) -> str:
    return next(c.title for c in columns if c.key == key)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any) -> int | None:
    """A whole number; None for anything else. "." and spaces are thousands separators only between groups of
    three digits ("1.200"), so "1.5", "2.0" and 2.25 are refused rather than read as 15, 20 and 225."""
    if isinstance(value, float) and not value.is_integer():
        return None
    text = _text(value)
    if re.fullmatch(r"-?\d{1,3}(?:[. ]\d{3})+", text):
        text = text.replace(".", "").replace(" ", "")
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _check_unit(v: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    issues = []
    code, name = _text(v.get("code")).upper(), _text(v.get("name"))
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{0,31}", code):
        issues.append(("code", "mã đơn vị cần 1–32 ký tự chữ, số, . _ -"))
    if not name:
        issues.append(("name", "thiếu tên đơn vị"))
    kind = KINDS.get(fold(_text(v.get("kind")))) if _text(v.get("kind")) else None
    if _text(v.get("kind")) and kind is None:
        issues.append(
            (
                "kind",
                "cấp phải là tỉnh ủy, thành ủy, đảng ủy xã/phường/đặc khu, đảng bộ cơ sở, chi bộ cơ sở, "
                "đảng bộ bộ phận, chi bộ trực thuộc (hoặc huyện ủy cho số liệu trước 2025)",
            )
        )
    # The Khối column names one of the committee's own khối (label, alias or code): checked against the
    # database's list when the file is checked (bot.services.imports), so it stays as written here.
    category = _text(v.get("category")) or None
    return {
        "code": code,
        "name": name,
        "short": _text(v.get("short")) or None,
        "kind": kind,
        "category": category,
        "parent": _text(v.get("parent")).upper() or None,
    }, issues


def _check_user(v: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    issues = []
    name = _text(v.get("name"))
    if not name:
        issues.append(("name", "thiếu họ tên"))
    role = ROLES.get(fold(_text(v.get("role"))))
    if role is None:
        issues.append(("role", "vai trò phải là “báo cáo” hoặc “theo dõi”"))
    login = _text(v.get("login")) or None
    if login and not re.fullmatch(r"[A-Za-z0-9._-]{2,32}", login):
        issues.append(("login", "tên đăng nhập 2–32 ký tự không dấu, không khoảng trắng"))
    unit = _text(v.get("unit")).upper()
    if not unit:
        issues.append(("unit", "thiếu mã đơn vị"))
    return {
        "name": name,
        "login": login,
        "phone": _text(v.get("phone")) or None,
        "role": role,
        "unit": unit,
        "title": _text(v.get("title")) or None,
    }, issues


def _check_target(v: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    issues = []
    scope_text = fold(_text(v.get("scope")))
    scope = "year" if scope_text in ("nam", "year") else "term" if scope_text in ("nhiem ky", "term") else None
    if scope is None:
        issues.append(("scope", "loại phải là “năm” hoặc “nhiệm kỳ”"))
    year, end, value = _int(v.get("year")), _int(v.get("end_year")), _int(v.get("value"))
    if year is None or not 1990 <= year <= 2100:
        issues.append(("year", "năm không hợp lệ"))
    if value is None or value < 0:
        issues.append(("value", f"chỉ tiêu phải là số nguyên không âm, không phải “{_text(v.get('value'))}”"))
    if scope == "term" and year is not None:
        end = end or year + 5
        if end <= year:
            issues.append(("end_year", "năm kết thúc phải sau năm bắt đầu"))
    plan = None
    if _text(v.get("plan")):
        numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", _text(v.get("plan")))]
        if len(numbers) != 4 or sum(numbers) <= 0:
            issues.append(("plan", "kế hoạch quý cần 4 số, ví dụ 20/30/30/20"))
        else:
            plan = [round(n / sum(numbers), 4) for n in numbers]
    return {
        "unit": _text(v.get("unit")).upper(),
        "scope": scope,
        "year": year,
        "end_year": (end if scope == "term" else year),
        "value": value,
        "plan": plan,
    }, issues


def _check_report(v: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    issues = []
    period, period_issue = _period(v.get("period"))
    if period_issue:
        issues.append(("period", period_issue))
    figures = {}
    for key in ("admitted", *BREAKDOWN_FIELDS):
        raw = v.get(key)
        number = _int(raw) if _text(raw) else 0
        if number is None or number < 0:
            issues.append((key, f"phải là số nguyên không âm, không phải “{_text(raw)}”"))
        else:
            figures[key] = number
    if not issues:  # each breakdown above the total is reported under its own column: the number that is wrong
        for key in BREAKDOWN_FIELDS:
            if figures[key] > figures["admitted"]:
                issues.append(
                    (key, f"{num(figures[key])} lớn hơn tổng số kết nạp ({num(figures['admitted'])}) của dòng này")
                )
    return {
        "unit": _text(v.get("unit")).upper(),
        "period": period.model_dump(mode="json") if period else None,
        "figures": figures,
    }, issues


def _check_history(v: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A row of “Nguồn, rà soát”: the period as in “Số liệu”; the nguồn columns make a pipeline snapshot, the rà
    soát columns a screening snapshot (blank cells are not reported, as when the chat is told only “nguồn 30”)."""
    issues = []
    period, period_issue = _period(v.get("period"))
    if period_issue:
        issues.append(("period", period_issue))
    snapshots: dict[str, dict[str, int]] = {}
    for store_kind, fields in HISTORY_KINDS.items():
        for key in fields:
            raw = v.get(key)
            if not _text(raw):
                continue
            number = _int(raw)
            if number is None or number < 0:
                issues.append((key, f"phải là số nguyên không âm, không phải “{_text(raw)}”"))
            else:
                snapshots.setdefault(store_kind, {})[key] = number
    screening = snapshots.get("screening", {})
    for key, label in (("removed", "đưa ra khỏi Đảng"), ("followed_up", "tiếp tục theo dõi")):
        if key in screening and "reviewed" in screening and screening[key] > screening["reviewed"]:
            issues.append(
                (key, f"số {label} ({num(screening[key])}) lớn hơn số đã rà soát ({num(screening['reviewed'])})")
            )
    if not snapshots and not issues:
        issues.append(("pool", "dòng không có số nào: cần ít nhất một số nguồn hoặc rà soát"))
    return {
        "unit": _text(v.get("unit")).upper(),
        "period": period.model_dump(mode="json") if period else None,
        "snapshots": snapshots,
    }, issues


def _period(value: Any) -> tuple[Period | None, str | None]:
    """A report's Kỳ: a month, quarter, half-year or year, as the chat reads it."""
    text = fold(_text(value))
    match = find_period(text, date(2100, 1, 1)) if text else None
    period = match.period if match else None
    if period is None or period.kind is PeriodKind.TERM:
        return None, "kỳ phải là tháng, quý, 6 tháng hoặc năm, ví dụ T9/2021, Q3/2021, 6 tháng đầu 2021, 2021"
    return period, None


CHECKS = {
    "units": _check_unit,
    "users": _check_user,
    "targets": _check_target,
    "reports": _check_report,
    "history": _check_history,
}

# A blank Cấp (issue 17): what may stand directly under a unit of each kind (None: a top committee) ...
CHILD_KINDS: dict[UnitKind | None, frozenset[UnitKind]] = {
    None: frozenset({UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT}),
    UnitKind.PROVINCE: UNDER_PROVINCE,
    UnitKind.CITY: UNDER_PROVINCE,
    **{k: frozenset({UnitKind.GRASSROOTS, UnitKind.GRASSROOTS_BRANCH}) for k in UNDER_PROVINCE},
    UnitKind.GRASSROOTS: frozenset({UnitKind.BRANCH, UnitKind.SUB_COMMITTEE}),
    UnitKind.SUB_COMMITTEE: frozenset({UnitKind.BRANCH}),
    UnitKind.GRASSROOTS_BRANCH: frozenset(),
    UnitKind.BRANCH: frozenset(),
}
# ... and what a unit's name says it is (the first pattern that matches the folded name; more specific first).
NAMED_KINDS: tuple[tuple[re.Pattern[str], frozenset[UnitKind]], ...] = tuple(
    (re.compile(pattern), frozenset(kinds))
    for pattern, kinds in (
        (r"^chi bo\b", {UnitKind.BRANCH, UnitKind.GRASSROOTS_BRANCH}),
        (r"^dang bo bo phan\b", {UnitKind.SUB_COMMITTEE}),
        (r"^dang bo (cac )?co quan dang\b", {UnitKind.PROVINCE_AGENCIES}),
        (r"^dang bo (ubnd|uy ban nhan dan) tinh\b", {UnitKind.PROVINCE_GOVERNMENT}),
        (r"^dang bo quan su tinh\b", {UnitKind.MILITARY}),
        (r"^dang bo cong an tinh\b", {UnitKind.POLICE}),
        (r"^(tinh uy|dang bo tinh)\b", {UnitKind.PROVINCE}),
        (r"^(thanh uy|dang bo thanh pho)\b", {UnitKind.CITY}),
        (r"^(huyen uy|dang bo huyen)\b", {UnitKind.DISTRICT}),
        (r"^dang (uy|bo) xa\b", {UnitKind.COMMUNE, UnitKind.GRASSROOTS}),  # before 2025 a đảng bộ xã was cơ sở
        (r"^dang (uy|bo) phuong\b", {UnitKind.WARD, UnitKind.GRASSROOTS}),
        (r"^dang (uy|bo) thi tran\b", {UnitKind.GRASSROOTS}),  # thị trấn: abolished with the districts
        (r"^dang (uy|bo) dac khu\b", {UnitKind.SPECIAL_ZONE}),
        (r"^dang (uy|bo)\b", {UnitKind.GRASSROOTS}),
    )
)


def infer_kind(name: str, parent: UnitKind | None) -> UnitKind | None:
    """The Cấp of a new unit whose Cấp cell is blank: the one kind that both may stand under its parent's kind and
    fits its name ("Chi bộ thôn 3" under a đảng ủy xã is a chi bộ cơ sở; under a đảng bộ cơ sở, a chi bộ trực
    thuộc). None when that leaves no kind or more than one: the importer asks for the column to be filled
    rather than guess."""
    allowed = CHILD_KINDS.get(parent, frozenset())
    folded = fold(name)
    named = next((kinds for pattern, kinds in NAMED_KINDS if pattern.search(folded)), frozenset(UnitKind))
    found = allowed & named
    return next(iter(found)) if len(found) == 1 else None


def kind_hint(parent: UnitKind | None) -> str:
    """What to write in Cấp under a parent of this kind (for the row error)."""
    allowed = sorted(CHILD_KINDS.get(parent, frozenset()), key=list(UnitKind).index)
    if not allowed:
        return "dưới một chi bộ không có đơn vị trực thuộc; xin kiểm tra Mã cấp trên hoặc ghi rõ cột Cấp"
    words = ", ".join(KIND_WORDS[k] for k in allowed)
    return f"không suy ra được cấp từ đơn vị cấp trên và tên; xin ghi rõ cột Cấp (ví dụ: {words})"


def period_of(record: dict[str, Any]) -> Period:
    return Period.model_validate(record["period"])
