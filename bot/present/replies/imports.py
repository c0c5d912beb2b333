"""What importing a spreadsheet (a file sent in chat, `ptdv import FILE`) says: the preview, the problems found in
the file, the progress of a long write and its summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.textfmt import num

IMPORT_ROOT_ONLY = "Xin lỗi, chỉ cán bộ theo dõi cấp cao nhất mới nhập dữ liệu từ tệp."
NOTHING_SAVED = "Chưa lưu gì."
FILE_HINT = "Chọn “Xác nhận” để nhập, “Hủy” để bỏ. Muốn đổi nội dung thì sửa tệp rồi gửi lại. (Hoặc trả lời: có / hủy)"
MAX_PROBLEMS_SHOWN = 25
SUMMARY_LABELS = {
    "units": "đơn vị",
    "users": "người dùng",
    "targets": "chỉ tiêu",
    "reports": "số liệu",
    "history": "nguồn, rà soát",
}
PERIOD_PROBLEM_STARTS = ("Kỳ", "Năm")  # a figure problem (services.reporting) about the period, not the figures

STARTED = (
    "Đã nhận xác nhận. Đang ghi “{name}” ({rows} dòng); bot sẽ báo tiến độ và gửi kết quả khi xong. "
    "Trong lúc đó bot vẫn trả lời bình thường."
)
PROGRESS = "Đang ghi “{name}”: {done} / {rows} dòng…"
BUSY = "Tệp “{name}” đang được ghi; xin chờ kết quả (không cần bấm lại)."
TOO_SLOW = (
    "Ghi tệp “{name}” quá lâu (quá {seconds} giây) nên đã dừng; chưa ghi gì. "
    "Xin chia thành nhiều tệp nhỏ hơn rồi gửi lại."
)
FAILED = "Xin lỗi, ghi tệp “{name}” gặp lỗi nên chưa ghi gì. Có thể bấm “Xác nhận” lại để thử lần nữa."


def summary_text(added: Mapping[str, int], changed: Mapping[str, int]) -> str:
    """What a write added and changed, per part of the file (`SUMMARY_LABELS`)."""
    parts = [
        f"{label}: thêm {num(added[k])}, sửa {num(changed[k])}"
        for k, label in SUMMARY_LABELS.items()
        if added[k] or changed[k]
    ]
    return "; ".join(parts) if parts else "không có thay đổi (dữ liệu đã giống hệt tệp)"


def problems_text(problems: Sequence[object]) -> str:
    """The problems found in a file (each written as its own line), the first `MAX_PROBLEMS_SHOWN` of them."""
    lines = [f"Tệp có {num(len(problems))} lỗi, chưa nhập gì. Xin sửa rồi gửi lại:"]
    lines += [f"– {p}" for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"… và {num(len(problems) - MAX_PROBLEMS_SHOWN)} lỗi khác.")
    return "\n".join(lines)


def not_imported(name: str, why: object) -> str:
    return f"Chưa nhập được “{name}”: {why}"


def checking(name: str) -> str:
    return f"Đang kiểm tra tệp “{name}”… Bot sẽ gửi kết quả ngay khi xong."


def no_rows(name: str) -> str:
    return f"Tệp “{name}” không có dòng dữ liệu nào."


def preview(name: str, units: int, users: int, targets: int, reports: int, pipeline: int | None, screening: int) -> str:
    """The preview of a file without problems; `pipeline` is None when the file has no history rows."""
    counts = f"{num(units)} đơn vị, {num(users)} người dùng, {num(targets)} chỉ tiêu, {num(reports)} dòng số liệu"
    if pipeline is not None:
        counts += f", {num(pipeline)} số liệu nguồn và {num(screening)} số liệu rà soát, sàng lọc"
    return f"Nhập tệp “{name}”: {counts}. Không có lỗi."


def imported(name: str, summary: str) -> str:
    return f"Đã nhập “{name}”: {summary}."


def source_line(source: str, row: int) -> str:
    """The raw text stored with an imported figure: where it came from."""
    return f"nhập từ {source}, dòng {row}"


# --- problems found in a file (each under its sheet, row and column) ---------------------------------------
def unknown_category(written: str, known: str) -> str:
    return f"không có khối “{written}” (các khối: {known}; thêm khối mới bằng /khoi them)"


def duplicate_code(code: str, row: int) -> str:
    return f"mã {code} trùng với dòng {row}"


def unknown_unit(code: str) -> str:
    return f"không có đơn vị mã {code}"


CYCLE = "tạo thành vòng lặp (đơn vị là cấp trên của chính nó)"
ONE_ROOT = "chỉ có một đơn vị gốc; xin ghi mã đơn vị cấp trên"


def same_as_row(row: int) -> str:
    return f"trùng với dòng {row}"


def unknown_indicator(title: str, others: str) -> str:
    return (
        f"cột “{title}” không phải chỉ tiêu cơ cấu nào (các chỉ tiêu khác: {others}; thêm chỉ tiêu bằng /tieuchi them)"
    )


def has_children(code: str, what: str) -> str:
    """Figures given for a unit with units under it; `what` is a `SUMMARY_LABELS` key ("reports", "history")."""
    return f"{code} có đơn vị trực thuộc; {SUMMARY_LABELS[what]} nhập cho từng đơn vị cấp dưới"


def no_kind(code: str) -> str:
    return f"Đơn vị {code}: chưa có cấp (kiểm tra tệp trước khi nhập)"
