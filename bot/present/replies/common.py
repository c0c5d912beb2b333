"""Greetings, help, registration hints and polite refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.models import User
from bot.domain.normalize import fold

BOT_NAME = "PTĐV Bot"
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "console"}


@dataclass(frozen=True)
class Examples:
    """Unit names for the examples in help and error texts: the asker's own units, never fixed demo names."""

    own: str = "[tên đơn vị]"  # the asker's unit
    below: str = "[tên đơn vị cấp dưới]"  # a unit under it (the unit itself when it has none)
    khoi: tuple[str, ...] = ("khối xã", "khối doanh nghiệp")  # khối that units under the asker belong to
    committee_below: str | None = None  # a đảng bộ under the asker (for /daihoi), None when it has none


def help_examples(ex: Examples) -> str:
    return (
        "• tiến độ — tiến độ kết nạp năm nay của đơn vị mình\n"
        "• tiến độ kết nạp quý III (hoặc: tien do q3, /tiendo q3)\n"
        "• tiến độ năm 2021 · tiến độ 6 tháng đầu năm · tiến độ nhiệm kỳ\n"
        f"• tiến độ {ex.below}\n"
    )


REPORT_EXAMPLES = (
    "• kết nạp 2 đảng viên (hoặc: ket nap 2 dvm, /baocao 2)\n"
    "• quý III kết nạp 3 đảng viên, trong đó 1 nữ, 1 dân tộc thiểu số\n"
    "• tháng 9 kết nạp hai đảng viên · /baocao 2 nu=1\n"
    "• nguồn 15, đã học lớp nhận thức 8, dự kiến cử đi học 5\n"
    "• rà soát 5, đưa ra khỏi Đảng 2\n"
    "• sửa: quý III kết nạp 4 chứ không phải 3 · lũy kế từ đầu năm 7\n"
    "• /lichsu — các báo cáo gần đây của đơn vị\n"
    "• /lienket — dùng bot trên cả Telegram và Zalo với cùng một tài khoản\n"
)


def more_questions(ex: Examples) -> str:
    """Questions about one's own unit that everybody may ask, beyond plain progress."""
    return (
        "• cơ cấu kết nạp năm nay (/cocau) — nữ, dân tộc thiểu số, đoàn viên…\n"
        "• nguồn phát triển đảng viên (/nguon) · rà soát, sàng lọc (/rasoat)\n"
        "• so sánh với cùng kỳ năm trước (/sosanh)\n"
        f"• biểu đồ tiến độ {ex.own} (/bieudo) · biểu đồ nhiệm kỳ — từng năm của nhiệm kỳ\n"
        "• xuất báo cáo quý III (/xuat) — tệp Excel để in, nộp\n"
    )


def khoi_example(label: str, aliases: tuple[str, ...], short_label: str) -> str:
    """A khối as people write it in a question: its shortest "khối …" name without a comma ("khối xã")."""
    named = [n for n in (label, *aliases) if n.lower().startswith("khối") and "," not in n]
    shortest = min(named, key=len) if named else f"khối {short_label}"
    return shortest[:1].lower() + shortest[1:]


def khoi_line(khoi: tuple[str, ...]) -> str:
    """Questions by khối, naming only khối the asker's units belong to (none: no line)."""
    if not khoi:
        return ""
    if len(khoi) == 1:
        return f"• tiến độ {khoi[0]} — theo khối\n"
    return f"• tiến độ {khoi[0]} · xếp hạng {khoi[-1]} — theo khối\n"


def official_examples(ex: Examples) -> str:
    return (
        "Theo dõi các đơn vị:\n"
        "• đơn vị nào chưa báo cáo quý này? (/chuabaocao)\n"
        "• đơn vị nào chậm tiến độ? (/chamtiendo)\n"
        "• xếp hạng các đơn vị năm nay (/xephang)\n"
        f"{khoi_line(ex.khoi)}"
        "• chi bộ nào nhiều năm liền không kết nạp được? · tỉ lệ tổ chức cơ sở đảng kết nạp được đảng viên\n"
        f"• so sánh {ex.below} với cùng kỳ năm trước · xuất báo cáo năm 2025 {ex.below}\n"
        "• dự thảo báo cáo gửi cấp trên: làm báo cáo 9 tháng · /duthao năm 2025 · /duthao nhiệm kỳ — tệp Word"
        " và phụ lục Excel\n"
        "\nQuản lý:\n"
        f"• {ex.below} kết nạp 2 đảng viên — báo cáo thay cho đơn vị cấp dưới\n"
        f"• chỉ tiêu: giao chỉ tiêu năm 2027 cho {ex.below} là 3 · /chitieu 2027 {ex.below} 4 theo quý 1 1 1 1\n"
        f"• mời: /moi {ex.below} — tạo mã mời người báo cáo (thêm “theo dõi” để mời cán bộ theo dõi)\n"
        "• người dùng: /nguoidung — danh sách · /khoa <mã người dùng> · /chuyen <mã> <đơn vị>"
        " · /vaitro <mã> theo dõi|báo cáo · /thulai <mã> — gửi lại cho người không liên lạc được\n"
        f"• tổ chức: /tochuc them <tên> thuộc {ex.own} · /tochuc — đổi tên, chuyển, hợp nhất, tách, ngừng\n"
        "• đại hội: /daihoi 20/9/2025 — ghi ngày đại hội mở đầu nhiệm kỳ (nhiệm kỳ trước tính đến hôm trước)\n"
        "• chỉ tiêu cơ cấu (nữ, nông dân, thạc sĩ…): /tieuchi — xem · /tieuchi them <tên> — thêm (cấp ủy cao nhất)\n"
        "• nhắc nhở: /nhacnho — lịch báo cáo, nhắc nhở · /nhacnho xem — ai sẽ được nhắc · /nhacnho tamdung\n"
        "• /lienketnhom — nhận bản tin tuần trong nhóm\n"
        "• nhập dữ liệu: /maunhap — tệp mẫu; gửi tệp .xlsx đã điền để nhập đơn vị, người dùng, chỉ tiêu, số liệu\n"
    )


def greeting(user: User | None, unit_name: str | None) -> str:
    intro = (
        f"Xin chào! Tôi là {BOT_NAME}, trợ lý theo dõi công tác phát triển đảng viên mới.\n"
        "Tôi nhận báo cáo kết nạp của các chi bộ, đảng bộ và trả lời tiến độ so với chỉ tiêu."
    )
    if user is None:
        return f"{intro}\n\n{HOW_TO_REGISTER}"
    role = "cán bộ theo dõi" if user.is_official else "người báo cáo"
    return f"{intro}\n\nĐồng chí {user.name} đã đăng ký là {role} của {unit_name}.\nGõ /help để xem các câu mẫu."


HOW_TO_REGISTER = (
    "Để sử dụng, đồng chí cần đăng ký bằng mã mời do Ban Tổ chức cấp:\n"
    "gõ /dangky <mã> (ví dụ: /dangky AB12CD34) hoặc bấm vào đường link mời."
)

NOT_REGISTERED = "Đồng chí chưa đăng ký sử dụng bot.\n" + HOW_TO_REGISTER


def help_text(user: User | None, ex: Examples = Examples()) -> str:
    text = f"{BOT_NAME} — hướng dẫn\n\nHỏi tiến độ:\n{help_examples(ex)}"
    if user is not None:
        text += more_questions(ex)
    text += f"\nBáo cáo:\n{REPORT_EXAMPLES}"
    if user is not None and user.is_official:
        text += f"\nDành cho cán bộ theo dõi.\n{official_examples(ex)}"
    text += (
        "\nCó thể gõ không dấu, chữ hoa hay thường đều được. Mọi báo cáo đều được hỏi xác nhận trước khi lưu."
        "\nKhi bot đưa ra các lựa chọn đánh số (trên Zalo), trả lời bằng số tương ứng, ví dụ: 1."
    )
    if user is None:
        text += "\n\n" + HOW_TO_REGISTER
    return text


def not_understood(problem: str | None = None, ex: Examples = Examples()) -> str:
    if problem:
        problem = problem.replace("[đơn vị]", ex.below)  # an example from the parser names the asker's unit
    head = f"Xin lỗi, {problem[0].lower()}{problem[1:]}" if problem else "Xin lỗi, tôi chưa hiểu tin nhắn này."
    return (
        f"{head}\n\nĐồng chí có thể hỏi, ví dụ:\n{help_examples(ex)}hoặc báo cáo, ví dụ:\n"
        "• kết nạp 2 đảng viên, trong đó 1 nữ\nGõ /help để xem hướng dẫn đầy đủ."
    )


TOO_LONG = (
    "Xin lỗi, tôi chưa hiểu tin nhắn này: tin nhắn quá dài (tối đa 1.000 ký tự).\n"
    "Xin gửi ngắn gọn, ví dụ: “tiến độ quý III” hoặc “kết nạp 2 đảng viên”. Gõ /help để xem hướng dẫn."
)
EMPTY = (
    "Xin lỗi, tôi chỉ đọc được tin nhắn chữ (không đọc được nhãn dán, ảnh hay tin nhắn thoại).\n"
    "Gõ /help để xem các câu mẫu."
)

MEDIA = {
    "image": (
        "Ảnh không được đọc: bot không đọc được số liệu trong ảnh chụp báo cáo.\n"
        "Xin gõ số liệu thành chữ, ví dụ: “kết nạp 2 đảng viên”, “rà soát 5 quần chúng”. Gõ /help để xem câu mẫu."
    ),
    "sticker": "Cảm ơn đồng chí! Bot chỉ đọc tin nhắn chữ; gõ /help để xem các câu mẫu.",
    "unsupported": (
        "Bot không nhận được nội dung tin nhắn này: Zalo không chuyển nội dung tin nhắn của một số tài khoản "
        "(ví dụ tài khoản người chưa thành niên hoặc có cài đặt hỗ trợ tiếp cận).\n"
        "Đồng chí có thể nhờ cán bộ theo dõi của cấp trên báo cáo thay cho đơn vị, hoặc dùng bot trên Telegram."
    ),
}


def media_answer(kind: str | None) -> str:
    """What to say to a message without readable text, by what it was."""
    return MEDIA.get(kind or "", EMPTY)


def out_of_scope(unit_name: str, written: str | None = None) -> str:
    """`written`: the person's words for the unit, quoted when the name does not hold them ("huyện Cao Phong",
    whose history now counts for the province), so that the answer is about what was asked."""
    if written and fold(written) not in fold(unit_name):
        unit_name = f"“{written}” ({unit_name})"
    return f"Xin lỗi, đồng chí chỉ xem và báo cáo được cho đơn vị mình; {unit_name} nằm ngoài phạm vi được giao."


def unit_not_found(text: str, ex: Examples = Examples()) -> str:
    # A fragment such as "đ/c" (đồng chí) was never meant as a unit: do not quote it back as one.
    head = f"Không tìm thấy đơn vị “{text}”." if _may_be_a_name(text) else "Tôi chưa nhận ra tên đơn vị trong tin nhắn."
    return f"{head} Xin kiểm tra lại tên, ví dụ: “tiến độ {ex.below}” hoặc “{ex.below} kết nạp 2”."


def nearest_names(names: str) -> str:
    """What follows `unit_not_found` when some names come close ("" when none do)."""
    return f" Tên gần nhất: {names}." if names else ""


def _may_be_a_name(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 3 or (letters >= 2 and text.isupper())  # "MN", "CA": abbreviations are names


def several_units_match(names: list[str]) -> str:
    return f"Có nhiều đơn vị khớp: {'; '.join(names)}. Xin ghi tên đầy đủ hơn."


def which_unit(text: str) -> str:
    return f"Có nhiều đơn vị khớp với “{text}”. Đồng chí muốn chọn đơn vị nào?"


def unit_number(unit_id: int) -> str:
    """A unit named only by its number (button data or a stored change naming a unit outside the asker's scope)."""
    return f"đơn vị #{unit_id}"


def report_for_which_unit(parent: str) -> str:
    return f"{parent} báo cáo qua các đơn vị trực thuộc. Đồng chí báo cáo cho đơn vị nào?"


# When handling a message failed: it is logged for the operator; repeating the same message would fail the same
# way, so the person is told what else to do, not just to try later.
APOLOGY = (
    "Xin lỗi, hệ thống gặp lỗi khi xử lý tin nhắn này; lỗi đã được ghi lại để quản trị viên kiểm tra. "
    "Gửi lại đúng tin này có thể vẫn lỗi: xin viết theo cách khác (gõ /help để xem ví dụ) hoặc báo Ban Tổ chức."
)
OFFICIALS_ONLY = "Xin lỗi, chức năng này dành cho cán bộ theo dõi (Ban Tổ chức, thường trực cấp ủy)."


def with_former_name(name: str, former: str) -> str:
    """A choice matched by the name of a unit merged into it: “Đảng bộ tỉnh Phú Thọ (huyện Cao Phong cũ)”."""
    bare = re.sub(r"^(?:Đảng bộ|Chi bộ|Đảng ủy)\s+", "", former.strip(), flags=re.IGNORECASE) or former.strip()
    return f"{name} ({bare} cũ)"
