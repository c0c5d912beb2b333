"""Texts of `/khoi` and `ptdv khoi`: a committee's list of khối (`bot.services.khoi`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.categories import KhoiDef

USAGE = (
    "Cách dùng:\n"
    "/khoi — xem các khối của đơn vị\n"
    "/khoi doiten <tên cũ> | <tên mới> — ví dụ: /khoi doiten Khối cơ quan | Khối cơ quan Đảng, chính quyền\n"
    "/khoi them <tên khối> — ví dụ: /khoi them Khối y tế"
)
ONLY_OFFICIALS = "Chỉ cán bộ theo dõi mới xem và sửa danh sách khối."
NO_NAME = "Chưa có tên khối. " + USAGE


def too_long(limit: int) -> str:
    return f"Tên khối dài quá {limit} ký tự."


def list_text(unit_name: str, items: Sequence[KhoiDef], own: bool) -> str:
    lines = [f"Các khối của {unit_name}{'' if own else ' (theo danh sách của cấp trên)'}:"]
    for i, k in enumerate(items, 1):
        aliases = f" — còn gọi: {', '.join(k.aliases)}" if k.aliases else ""
        lines.append(f"{i}. {k.label}{aliases}")
    return "\n".join(lines)


def no_such_khoi(name: str) -> str:
    return f"Không có khối “{name}”. Gõ /khoi để xem tên các khối."


def name_taken(name: str, owner: str) -> str:
    return f"Tên “{name}” đã là của {owner}."


def renamed(old: str, new: str) -> str:
    return f"Đã đổi tên “{old}” thành “{new}”. Tên cũ vẫn dùng được khi hỏi và khi nhập dữ liệu."


def exists(label: str) -> str:
    return f"Đã có {label}."


def added(label: str) -> str:
    return f"Đã thêm {label}. Ghi khối này trong cột Khối của tệp nhập, hoặc hỏi “tiến độ {label.lower()}”."
