"""What `/tieuchi` and `ptdv indicator` (the province's list of indicators, chỉ tiêu cơ cấu) say."""

from __future__ import annotations

from bot.domain.indicators import GROUP_LABELS, IndicatorDef, Indicators

USAGE = (
    "Cách dùng:\n"
    "/tieuchi — xem các chỉ tiêu cơ cấu\n"
    "/tieuchi them <tên> | <viết tắt> | <cách gọi khác, …> — ví dụ: "
    "/tieuchi them bộ đội xuất ngũ | BĐXN | xuất ngũ, bộ đội phục viên\n"
    "/tieuchi doiten <tên cũ> | <tên mới> — ví dụ: /tieuchi doiten nông dân | nông dân, ngư dân\n"
    "/tieuchi batbuoc <tên> | có (hoặc: không) — chỉ tiêu luôn có cột trong biểu, phụ lục, mẫu nhập"
)
ONLY_TOP_OFFICIALS = "Chỉ cán bộ theo dõi của cấp ủy cao nhất mới thêm hoặc đổi tên chỉ tiêu cơ cấu."
NAME = "tên chỉ tiêu"  # what `missing`, `too_long` and `no_letters` name
SHORT_NAME = "tên viết tắt"
ALIAS = "cách gọi khác"
NEW_NAME = "tên mới"
GONE = "Chỉ tiêu này không còn trong danh sách."


def list_text(items: Indicators) -> str:
    lines = ["Các chỉ tiêu cơ cấu (báo cáo, câu hỏi “cơ cấu”, tệp Excel và báo cáo định kỳ đều dùng danh sách này):"]
    group = None
    for item in items:
        if item.group != group:
            group = item.group
            lines.append(f"{GROUP_LABELS.get(group, group)}:")
        notes = []
        if item.part_of:
            notes.append(f"tính trong số {items.label(item.part_of)}")
        if item.aliases:
            notes.append("còn gọi: " + ", ".join(item.aliases))
        if item.required:
            notes.append("luôn có cột trong biểu")
        lines.append(f"• {item.name} ({item.short_name})" + (f" — {'; '.join(notes)}" if notes else ""))
    return "\n".join(lines)


def missing(what: str) -> str:
    return f"Chưa có {what}. {USAGE}"


def too_long(what: str, most: int) -> str:
    return f"{what[:1].upper()}{what[1:]} dài quá {most} ký tự."


def no_letters(what: str) -> str:
    return f"{what[:1].upper()}{what[1:]} phải có chữ. {USAGE}"


def too_many_aliases(most: int) -> str:
    return f"Tối đa {most} cách gọi khác."


def name_taken(name: str, other: str) -> str:
    return f"“{name}” đã là tên của chỉ tiêu “{other}”."


def unknown(name: str) -> str:
    return f"Không có chỉ tiêu “{name}”. Gõ /tieuchi để xem danh sách."


def exists(name: str) -> str:
    return f"Đã có chỉ tiêu “{name}”."


def describe(kind: str, item: IndicatorDef, before: IndicatorDef | None = None) -> str:
    """The preview of a change: `kind` is "add", "rename" (with `before`) or "required"."""
    if kind == "required":
        how = "luôn có cột" if item.required else "chỉ có cột khi có số liệu"
        return f"Chỉ tiêu “{item.name}”: {how} trong tệp Excel, phụ lục báo cáo và mẫu nhập."
    if kind == "add":
        aliases = f"; cách gọi khác: {', '.join(item.aliases)}" if item.aliases else ""
        return (
            f"Thêm chỉ tiêu cơ cấu: “{item.name}” (viết tắt: {item.short_name}{aliases}).\n"
            f"Sau khi lưu, báo cáo viết được như: “kết nạp 2, trong đó 1 {item.name}”; câu hỏi “cơ cấu”, tệp Excel, "
            "mẫu nhập và báo cáo định kỳ có thêm chỉ tiêu này."
        )
    assert before is not None
    return f"Đổi tên chỉ tiêu “{before.name}” thành “{item.name}”. Tên cũ vẫn đọc được trong báo cáo."


def saved(kind: str, item: IndicatorDef) -> str:
    if kind == "add":
        return f"Đã thêm chỉ tiêu cơ cấu “{item.name}”. Gõ /tieuchi để xem danh sách."
    if kind == "required":
        return f"Đã lưu: {describe(kind, item)}"
    return f"Đã đổi tên chỉ tiêu thành “{item.name}”."
