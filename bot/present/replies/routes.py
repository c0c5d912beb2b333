"""What the entry point says itself: group chats, files it cannot take, the import template, a failed job."""

from __future__ import annotations

GROUP_HINT = (
    "Trong nhóm, tôi chỉ trả lời lệnh (/...) hoặc tin nhắn gọi tên bot. Báo cáo, đăng ký và các việc khác "
    "xin nhắn riêng cho bot. Cán bộ theo dõi gõ /lienketnhom để nhận bản tin tuần vào nhóm này."
)
GROUP_PRIVATE = (
    "Việc này chỉ làm trong tin nhắn riêng với bot. Xin nhắn riêng cho bot (bấm vào tên bot, chọn “Nhắn tin”)."
)
GROUP_NO_FIGURES = (
    "Số liệu của đơn vị chỉ gửi trong tin nhắn riêng, hoặc trong nhóm đã liên kết nhận bản tin tuần của đơn vị "
    "(/lienketnhom). Xin nhắn riêng cho bot."
)
BACKGROUND_FAILED = "Xin lỗi, hệ thống gặp lỗi khi kiểm tra tệp. Xin gửi lại tệp sau ít phút."
TEMPLATE = "Mẫu nhập dữ liệu: điền rồi gửi lại tệp này cho bot (cán bộ theo dõi cấp cao nhất)."
TEMPLATE_FILE = "mau-nhap-ptdv.xlsx"


def file_too_large(limit_bytes: int) -> str:
    """A file above what a chat may bring (it is imported on the server instead)."""
    return (
        f"Tệp quá lớn để nhận qua chat (tối đa {limit_bytes // 1_048_576} MB). "
        "Xin dùng lệnh `ptdv import` trên máy chủ."
    )
