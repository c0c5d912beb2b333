"""Texts of `/tochuc` and `ptdv tochuc`: adding, renaming, moving, merging, splitting and closing units
(`bot.services.reorg`)."""

from __future__ import annotations

from collections.abc import Sequence

HELP = (
    "Cách dùng (cán bộ theo dõi):\n"
    "• /tochuc them <tên> thuộc <đơn vị cấp trên>\n• /tochuc doiten <đơn vị> thành <tên mới>\n"
    "• /tochuc chuyen <đơn vị> về <đơn vị cấp trên mới>\n"
    "• /tochuc hopnhat <đơn vị 1>, <đơn vị 2> thành <tên mới hoặc đơn vị có sẵn>\n"
    "• /tochuc tach <đơn vị> thành <tên 1>, <tên 2>\n• /tochuc ngung <đơn vị>"
)
NOT_INTO_ITSELF = "Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó."
SPLIT_INTO_TWO = "Tách thành ít nhất hai đơn vị, cách nhau bằng dấu phẩy."
MERGE_NEEDS_UNITS = "Cần ít nhất một đơn vị để hợp nhất, không lặp lại."
MERGE_INTO_OWN = "Đơn vị nhận không được là một trong các đơn vị bị hợp nhất hay cấp dưới của chúng."
NONE_MATCHED = "không có"
DONE = {
    "add": "thêm đơn vị",
    "rename": "đổi tên",
    "move": "chuyển đơn vị",
    "merge": "hợp nhất",
    "split": "tách đơn vị",
    "deactivate": "ngừng hoạt động đơn vị",
}


def unclear_unit(text: str, matches: str) -> str:
    return f"“{text}” chưa rõ là đơn vị nào (khớp: {matches}). Xin ghi tên đầy đủ hoặc mã."


def add(name: str, parent: str) -> str:
    return f"Thêm đơn vị “{name}” trực thuộc {parent}."


def rename(old: str, new: str) -> str:
    return f"Đổi tên {old} thành “{new}” (tên cũ vẫn tra cứu được)."


def move(unit: str, parent: str) -> str:
    return f"Chuyển {unit} về trực thuộc {parent}."


def merge(sources: Sequence[str], into: str | None, new_name: str) -> str:
    """`into`: the existing unit that takes the others in; None: a new unit named `new_name`."""
    target = into if into is not None else f"đơn vị mới “{new_name}”"
    return (
        f"Hợp nhất {', '.join(sources)} vào {target}. Toàn bộ lịch sử báo cáo của các đơn vị cũ được tính "
        "cho đơn vị nhận; số liệu các cấp trên không đổi."
    )


def split(unit: str, names: Sequence[str]) -> str:
    return (
        f"Tách {unit} thành: {', '.join(names)}. Lịch sử báo cáo giữ ở đơn vị cũ "
        "(ngừng hoạt động); các đơn vị mới bắt đầu từ nay."
    )


def deactivate(unit: str) -> str:
    return f"Ngừng hoạt động {unit} (lịch sử báo cáo được giữ nguyên)."


def for_the_parent(unit: str) -> str:
    return (
        f"Tách, hợp nhất hay ngừng hoạt động {unit} là việc của cán bộ theo dõi cấp trên "
        "của đơn vị này. Xin đề nghị cấp trên thực hiện."
    )


def done(kind: str, created: Sequence[tuple[str, str]]) -> str:
    """`created`: (name, code) of the units the change made."""
    made = f" Đơn vị mới: {', '.join(f'{name} (mã {code})' for name, code in created)}." if created else ""
    return f"Đã thực hiện: {DONE[kind]}.{made}"


VERB = {"merge": "hợp nhất", "split": "tách", "deactivate": "ngừng hoạt động", "move": "chuyển"}


def not_active(unit: str, successor: str | None, kind: str) -> str:
    """A unit that was merged away or closed cannot be merged, split, closed or moved again."""
    state = f"đã hợp nhất vào {successor}" if successor else "đã ngừng hoạt động"
    hint = f" Nếu muốn thay đổi đơn vị đang hoạt động, xin ghi tên hoặc mã của {successor}." if successor else ""
    return f"{unit} {state}, không thể {VERB.get(kind, 'thay đổi')} nữa.{hint}"


def target_not_active(unit: str, successor: str | None) -> str:
    """A merge, move or addition into a unit that no longer works."""
    state = f"đã hợp nhất vào {successor}" if successor else "đã ngừng hoạt động"
    hint = f" Xin ghi {successor} thay thế." if successor else " Xin chọn một đơn vị đang hoạt động."
    return f"{unit} {state}, không thể nhận thêm đơn vị.{hint}"
