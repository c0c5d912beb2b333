"""What the confirmation engine says: buttons, "nothing waits", "already saved", "expired", "cancelled"."""

from __future__ import annotations

BUTTON_CONFIRM = "✅ Xác nhận"
BUTTON_EDIT = "✏️ Sửa"
BUTTON_CANCEL = "✖️ Hủy"
CONFIRM_HINT = "Chọn “Xác nhận” để lưu, “Sửa” để gửi lại nội dung khác, “Hủy” để bỏ. (Hoặc trả lời: có / hủy)"


NOTHING_PENDING = "Không có gì đang chờ xác nhận: đồng chí chưa có bản xem trước nào đang mở."
CANCELLED = "Đã hủy, không lưu gì."

# What a preview's action saves, to name it in "already saved" (a rename is not a "báo cáo").
_KINDS = {
    "submit": "Báo cáo",
    "adjust": "Báo cáo",
    "correct": "Bản sửa báo cáo",
    "target": "Chỉ tiêu",
    "reorg": "Thay đổi tổ chức",
    "import": "Nội dung nhập tệp",
}


def already_saved(action: str) -> str:
    """A second "có" or tap on a preview that was already confirmed, naming what it saved."""
    return f"{_KINDS.get(action, 'Nội dung')} này đã được lưu trước đó (không lưu lại lần nữa)."


ALREADY_CANCELLED = "Bản xem trước này đã được hủy hoặc thay thế; không lưu gì."
EXPIRED = "Bản xem trước đã hết hạn, chưa lưu gì. Xin gửi lại báo cáo."
RETYPE = "Xin gửi lại nội dung đúng, ví dụ: “kết nạp 2 đảng viên, trong đó 1 nữ”. Bản cũ đã bỏ, chưa lưu gì."
NOTHING_STORED = "Chưa lưu gì."


def refused(reason: str) -> str:
    """A confirmation the actor may no longer make (role, unit or scope changed): why, and that nothing was stored."""
    return f"{reason}\n{NOTHING_STORED}"


def already_saved_as(action: str, result_id: int | None) -> str:
    """A confirmation of a preview already confirmed, with the number of the report it stored."""
    number = f" Mã báo cáo #{result_id}." if result_id else ""
    return f"{already_saved(action)}{number}"
