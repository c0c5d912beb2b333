"""How files reach people on channels that cannot upload them (Zalo)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.textfmt import moment

PREPARING = "Đang chuẩn bị tệp… Bot sẽ gửi ngay khi xong."
NOT_MADE = "Xin lỗi, hệ thống gặp lỗi khi chuẩn bị tệp. Xin hỏi lại sau ít phút."
KIND_LABELS = {"photo": "Biểu đồ", "document": "Tệp"}


def link_line(kind: str, filename: str, url: str, expires: datetime) -> str:
    label = KIND_LABELS.get(kind, "Tệp")
    return f"📎 {label} {filename}: {url}\n(liên kết dùng riêng cho anh/chị, hết hạn {moment(expires)})"


def no_link(kind: str, filename: str, token: str, other_channels: list[str]) -> str:
    """No public web address is configured: say where the file can be had instead."""
    where = []
    if "telegram" in other_channels:
        where.append("hỏi lại cùng câu trên Telegram, bot sẽ gửi kèm tệp")
    where.append(f"nhờ quản trị viên lấy tệp trên máy chủ bằng lệnh: ptdv file {token}")
    return (
        f"📎 {KIND_LABELS.get(kind, 'Tệp')} {filename} không gửi kèm được qua kênh này. "
        f"Để có tệp: {'; hoặc '.join(where)}."
    )
