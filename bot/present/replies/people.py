"""Texts of registration by code and of the officials' tools for people (`bot.services.people`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.domain.models import Role, User
from bot.domain.textfmt import day
from bot.domain.vocabulary import ROLE_LABELS
from bot.present.replies.common import CHANNEL_NAMES

PRIVATE_ONLY = (
    "Vì an toàn, mã mời và mã liên kết chỉ được cấp và dùng trong tin nhắn riêng với bot. "
    "Xin nhắn riêng cho bot (bấm vào tên bot, chọn “Nhắn tin”)."
)
TOO_MANY_ATTEMPTS = (
    "Đồng chí đã nhập mã sai quá nhiều lần. Vì an toàn, xin đợi 15 phút rồi thử lại, "
    "hoặc liên hệ Ban Tổ chức để được cấp mã mới."
)
ANY_APP = "Telegram hoặc Zalo"
CODE_USED = "Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần; xin Ban Tổ chức mã mới."
CODE_EXPIRED = "Mã mời đã hết hạn. Xin đề nghị Ban Tổ chức cấp mã mới."
DEFAULT_NAME = "Người dùng"  # a new user whose chat app gave no name
PERSON_GONE = "Người dùng của mã mời này không còn. Xin đề nghị Ban Tổ chức cấp mã mới."
FOR_EXISTING_PERSON = "Mã mời dành cho người dùng đã có"
LINK_CODE = "Mã liên kết"
LINK_OWNER_LOCKED = "Tài khoản tạo mã liên kết này đã bị khóa. Xin liên hệ Ban Tổ chức."
NOT_SELF_LOCK = "Không thể tự khóa tài khoản của mình."
EXPOSED = "Mã vừa gõ đã hiện trong nhóm nên đã bị hủy; xin cấp mã mới và dùng trong tin nhắn riêng."
ISSUER_CHANGED = (
    "Mã mời này không còn hiệu lực (người cấp mã đã đổi vai trò hoặc đơn vị). Xin đề nghị Ban Tổ chức cấp mã mới."
)
LIST_LIMIT = 60


def channel_name(channel: str | None) -> str:
    """A channel as people call it; any app when none is given."""
    return CHANNEL_NAMES.get(channel, channel) if channel else ANY_APP


def role_label(role: str) -> str:
    return ROLE_LABELS[Role(role)]


def person_ref(person: User) -> str:
    return f"#{person.id} {person.name}"


def user_number(user_id: int | str) -> str:
    return f"người dùng #{user_id}"


def invite(
    code: str, role: str, unit_name: str, channel: str | None, expires: date, link: str | None, person: User | None
) -> str:
    text = f"Mã mời: {code}\nDành cho: {role_label(role)} — {unit_name}\n"
    if person is not None:
        login = f", tên đăng nhập {person.login}" if person.login else ""
        text += (
            f"Người được mời: #{person.id} {person.name}{login} — người dùng đã có: đăng ký xong, tài khoản chat "
            "gắn với người này (giữ đơn vị, vai trò, lịch sử), không tạo người dùng mới.\n"
        )
    text += (
        f"Dùng trên: {channel_name(channel)}\n"
        f"Hết hạn: {day(expires)} (dùng được một lần)\n"
        f"Người được mời nhắn riêng cho bot: /dangky {code}"
    )
    return text + (f"\nHoặc bấm: {link}" if link else "")


def no_user_number(number: str) -> str:
    return f"Không tìm thấy người dùng #{number}. Xem danh sách: /nguoidung"


def no_user_named(words: str) -> str:
    return f"Không tìm thấy người dùng “{words}”. Xem danh sách: /nguoidung"


def unregistered(names: Sequence[str], example: str) -> str:
    return (
        f"\n\nĐơn vị đã có người dùng chưa đăng ký tài khoản chat: {', '.join(names[:5])}. "
        f"Nếu mời chính người đó, xin tạo mã cho người đó ({example}) để không tạo người dùng thứ hai."
    )


def invite_usage(own: str, below: str) -> str:
    return (
        "Chưa tạo mã mời nào: xin ghi rõ mời cho đơn vị nào hoặc cho người nào. Ví dụ:\n"
        f"• /moi {below} — mã cho người báo cáo của {below}\n"
        f"• /moi theo dõi {own} — mã cho cán bộ theo dõi {own} và các đơn vị cấp dưới\n"
        "• /moi #<mã người dùng> — mã cho một người đã có trong danh sách (xem /nguoidung)\n"
        "Thêm “zalo” hoặc “telegram” ở cuối để mã chỉ dùng được trên ứng dụng đó."
    )


def bot_line(kind: str, where: str) -> str:
    return f"\nTrên {CHANNEL_NAMES.get(kind, kind)}: mở {where} rồi gõ mã (đơn vị này dùng bot đó)."


def bot_named(name: str) -> str:
    return f"bot {name}"


def wrong_bot(unit_name: str, kind: str, where: str) -> str:
    return (
        f"{unit_name} dùng một bot {CHANNEL_NAMES.get(kind, kind)} khác: xin mở {where} và gõ lại mã này. "
        "Mã chưa bị dùng."
    )


def bot_full(cap: int) -> str:
    return (
        f"Bot này đã đủ {cap} người dùng (giới hạn của gói). Mã chưa bị dùng; xin báo Ban Tổ chức "
        "để chuyển đơn vị sang một bot khác."
    )


def link_code(code: str, target: str | None, name: str, minutes: int) -> str:
    others = channel_name(target)
    return (
        f"Mã liên kết: {code}\nMở bot trên {others}, nhắn riêng cho bot: /lienket {code}\n"
        f"Hai tài khoản chat sẽ là một người dùng ({name}): cùng đơn vị, cùng quyền, cùng lịch sử. "
        f"Mã chỉ dùng được trên {others}, một lần, hết hạn sau {minutes} phút. Không đưa mã cho ai."
    )


def wrong_code(code: str) -> str:
    return f"Mã mời “{code[:12]}” không đúng. Xin kiểm tra lại hoặc xin mã mới từ Ban Tổ chức."


def code_for_other_app(channel: str) -> str:
    where = CHANNEL_NAMES.get(channel, channel)
    return f"Mã này chỉ dùng được trên {where}. Xin mở bot trên {where} và nhắn riêng cho bot."


def registered(greeting: str) -> str:
    return f"Đăng ký thành công!\n\n{greeting}"


def registered_to_another(current_name: str, code: str) -> str:
    return (
        f"Tài khoản chat này đã đăng ký cho người dùng khác ({current_name}). "
        f"{code} chỉ dùng cho tài khoản chat chưa đăng ký."
    )


def linked(name: str, channels: Sequence[str], greeting: str) -> str:
    names = ", ".join(sorted({CHANNEL_NAMES.get(c, c) for c in channels}))
    return f"Đã liên kết: {name} dùng bot trên {names}.\nNhắc nhở gửi qua kênh đăng ký đầu tiên.\n\n{greeting}"


def nobody_in(unit_name: str) -> str:
    return f"{unit_name} chưa có người dùng nào."


def people_list(unit_name: str, rows: Sequence[tuple[User, str, datetime | None]], total: int) -> str:
    """`rows`: (person, unit name, unreachable since) of the first people, `total` of them in all."""
    lines = [f"Người dùng — {unit_name} ({total}):"]
    for p, where, since in rows[:LIST_LIMIT]:
        state = "" if p.active else " [đã khóa]"
        if since is not None:
            state += f" [không liên lạc được từ {day(since)} — /thulai {p.id}]"
        role = "theo dõi" if p.is_official else "báo cáo"
        lines.append(f"#{p.id} {p.name} — {role} — {where}{state}")
    if total > LIST_LIMIT:
        lines.append(f"… và {total - LIST_LIMIT} người khác.")
    return "\n".join(lines)


def locked(person: User) -> str:
    return f"Đã khóa tài khoản {person_ref(person)}. Lịch sử báo cáo của đơn vị được giữ nguyên."


def not_unreachable(person: User) -> str:
    return f"{person_ref(person)} không bị đánh dấu “không liên lạc được”."


def reachable_again(person: User) -> str:
    return f"Đã xóa đánh dấu “không liên lạc được” của {person_ref(person)}; bot sẽ gửi tin lại."


def moved(person: User, unit_name: str) -> str:
    return f"Đã chuyển {person_ref(person)} sang {unit_name}."


def role_changed(person: User, role: str) -> str:
    return f"Đã đổi vai trò của {person_ref(person)} thành {role_label(role)}."


def exposed() -> str:
    return f"{PRIVATE_ONLY}\n{EXPOSED}"
