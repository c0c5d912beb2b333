"""Greetings, help, registration hints and polite refusals."""

from __future__ import annotations

from bot.models import User

BOT_NAME = "PTĐV Bot"
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "console"}

HELP_EXAMPLES = (
    "• tiến độ — tiến độ kết nạp năm nay của đơn vị mình\n"
    "• tiến độ kết nạp quý III (hoặc: tien do q3, /tiendo q3)\n"
    "• tiến độ năm 2021 · tiến độ 6 tháng đầu năm · tiến độ nhiệm kỳ\n"
    "• tiến độ xã Bắc Phong\n"
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
OFFICIAL_EXAMPLES = (
    "• Chi bộ Công an huyện kết nạp 2 đảng viên — báo cáo thay cho đơn vị cấp dưới\n"
    "• /moi Chi bộ xóm Nội — tạo mã mời người báo cáo (thêm “theo dõi” để mời cán bộ theo dõi)\n"
    "• /nguoidung — danh sách người dùng · /khoa <mã người dùng> · /chuyen <mã> <đơn vị>"
    " · /thulai <mã> — gửi lại cho người không liên lạc được\n"
    "• /vaitro <mã> theo dõi|báo cáo — đổi vai trò\n"
    "• giao chỉ tiêu năm 2027 cho Chi bộ xóm Nội là 3 · chỉ tiêu nhiệm kỳ 2025-2030 của đảng bộ là 360\n"
    "• /chitieu 2027 xã Tây Phong 4 theo quý 1 1 1 1 — kèm kế hoạch từng quý\n"
    "• /nhacnho — lịch báo cáo, nhắc nhở · /lienketnhom — nhận bản tin tuần trong nhóm\n"
    "• /tochuc — thêm, đổi tên, chuyển, hợp nhất, tách, ngừng hoạt động đơn vị\n"
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


def help_text(user: User | None) -> str:
    text = f"{BOT_NAME} — hướng dẫn\n\nHỏi tiến độ:\n{HELP_EXAMPLES}\nBáo cáo:\n{REPORT_EXAMPLES}"
    if user is not None and user.is_official:
        text += f"\nDành cho cán bộ theo dõi:\n{OFFICIAL_EXAMPLES}"
    text += (
        "\nCó thể gõ không dấu, chữ hoa hay thường đều được. Mọi báo cáo đều được hỏi xác nhận trước khi lưu."
        "\nKhi bot đưa ra các lựa chọn đánh số (trên Zalo), trả lời bằng số tương ứng, ví dụ: 1."
    )
    if user is None:
        text += "\n\n" + HOW_TO_REGISTER
    return text


def not_understood(problem: str | None = None) -> str:
    head = f"Xin lỗi, {problem[0].lower()}{problem[1:]}" if problem else "Xin lỗi, tôi chưa hiểu tin nhắn này."
    return (
        f"{head}\n\nĐồng chí có thể hỏi, ví dụ:\n{HELP_EXAMPLES}hoặc báo cáo, ví dụ:\n"
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


def out_of_scope(unit_name: str) -> str:
    return f"Xin lỗi, đồng chí chỉ xem và báo cáo được cho đơn vị mình; {unit_name} nằm ngoài phạm vi được giao."


def unit_not_found(text: str) -> str:
    return (
        f"Không tìm thấy đơn vị “{text}”. Xin kiểm tra lại tên, ví dụ: “tiến độ xã Bắc Phong” "
        "hoặc “Chi bộ Công an huyện kết nạp 2”."
    )


def which_unit(text: str) -> str:
    return f"Có nhiều đơn vị khớp với “{text}”. Đồng chí muốn chọn đơn vị nào?"


def report_for_which_unit(parent: str) -> str:
    return f"{parent} báo cáo qua các đơn vị trực thuộc. Đồng chí báo cáo cho đơn vị nào?"


OFFICIALS_ONLY = "Xin lỗi, chức năng này dành cho cán bộ theo dõi (Ban Tổ chức, thường trực cấp ủy)."
