"""The `ptdv` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from bot.cli import admin as admin_cli
from bot.cli import doctor
from bot.config import ConfigError, Settings, load_settings
from bot.domain.clock import Clock, OffsetClock, SystemClock
from bot.domain.textfmt import os_reason
from bot.runtime import app
from bot.runtime.redact import failure_reason, network_reason, redact, register, without_urls
from handlers.inbox_pump import PollerFatal
from storage import backup
from storage.db import UnusableDatabase


class _VietnameseHelp(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "cách dùng: " if prefix is None else prefix)


# argparse's own messages (Python 3.11–3.13), as regular expressions, and their Vietnamese.
_ERRORS = (
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"tham số không nhận ra: \1"),
    (
        r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)",
        r"tham số \1: không có lựa chọn \2 (chọn một trong: \3)",
    ),
    (r"argument (.*?): invalid (\w+) value: (.*)", r"tham số \1: giá trị \3 không hợp lệ (cần kiểu \2)"),
    (r"argument (.*?): expected one argument", r"tham số \1: cần một giá trị"),
    (r"argument (.*?): expected at least one argument", r"tham số \1: cần ít nhất một giá trị"),
    (r"argument (.*?): expected at most one argument", r"tham số \1: cần nhiều nhất một giá trị"),
    (r"argument (.*?): expected (\d+) arguments?", r"tham số \1: cần \2 giá trị"),
    (r"argument (.*?): not allowed with argument (.*)", r"tham số \1: không dùng cùng với \2"),
    (r"argument (.*?): ignored explicit argument (.*)", r"tham số \1: không nhận giá trị \2"),
    (r"ambiguous option: (.*?) could match (.*)", r"tùy chọn \1 không rõ, có thể là: \2"),
    (r"one of the arguments (.*) is required", r"cần một trong các tham số: \1"),
    (r"argument (.*?): (.*)", r"tham số \1: \2"),
)


_TYPES = {"kiểu int": "một số nguyên", "kiểu float": "một số"}

# Placeholders in usage lines, by argument name.
_METAVARS = {
    "login": "TÊN_ĐĂNG_NHẬP",
    "user": "TÊN_ĐĂNG_NHẬP",
    "token": "MÃ",
    "out": "TỆP",
    "file": "TỆP",
    "unit": "ĐƠN_VỊ",
    "days": "SỐ_NGÀY",
    "name": "HỌ_TÊN",
    "words": "LỆNH",
    "at": "THỜI_ĐIỂM",
    "changes": "THAY_ĐỔI",
    "period": "KỲ",
    "out_dir": "THƯ_MỤC",
    "role": "VAI_TRÒ",
}

# `ptdv invite --role`: the Vietnamese names (with or without diacritics) and the English ones of earlier versions.
_ROLES = {
    "bao-cao": "reporter",
    "nguoi-bao-cao": "reporter",
    "reporter": "reporter",
    "theo-doi": "official",
    "can-bo-theo-doi": "official",
    "can-bo": "official",
    "official": "official",
}


def _role(text: str) -> str:
    from bot.domain.normalize import fold

    key = "-".join(fold(text).replace("_", " ").replace("-", " ").split())
    if key not in _ROLES:
        raise argparse.ArgumentTypeError(
            f"không có lựa chọn '{text}' (chọn một trong: bao-cao — người báo cáo, theo-doi — cán bộ theo dõi)"
        )
    return _ROLES[key]


def vietnamese_error(message: str) -> str:
    """argparse's English error message in Vietnamese (unknown ones are kept as they are)."""
    for pattern, replacement in _ERRORS:
        if re.fullmatch(pattern, message):
            text = re.sub(pattern, replacement, message)
            for english, vietnamese in _TYPES.items():
                text = text.replace(english, vietnamese)
            return text
    return message


class VietnameseParser(argparse.ArgumentParser):
    """argparse with Vietnamese usage, section titles, -h and errors (argparse itself speaks English)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # argparse.ArgumentParser's own parameters
        kwargs.setdefault("formatter_class", _VietnameseHelp)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện trợ giúp này rồi thoát")

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:  # argparse's own parameters
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.choices is None and action.nargs != 0 and action.dest in _METAVARS:
            action.metavar = _METAVARS[action.dest]
        return action

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {vietnamese_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="ptdv", description="PTĐV Bot — theo dõi phát triển đảng viên mới")
    sub = parser.add_subparsers(dest="command", required=True, title="lệnh", metavar="LỆNH")
    setup = sub.add_parser("setup", help="tạo/nâng cấp cơ sở dữ liệu (không nạp dữ liệu mẫu)")
    setup.add_argument(
        "--demo",
        action="store_true",
        help="tạo cơ sở dữ liệu mẫu riêng (DEMO_DATABASE_PATH, mặc định data/demo.sqlite3) để dùng thử",
    )
    sub.add_parser("migrate", help="chỉ nâng cấp cơ sở dữ liệu")
    run = sub.add_parser(
        "run", help="chạy bot Telegram/Zalo (có token) hoặc bảng chat console trên dữ liệu mẫu (không token)"
    )
    run.add_argument(
        "--as",
        dest="login",
        help="tài khoản dùng trong console (mặc định: quang, Đảng ủy xã Cao Phong; binh: Ban Tổ chức Tỉnh ủy)",
    )
    con = sub.add_parser(
        "console",
        help="chat với bot ngay trong terminal: trên dữ liệu mẫu khi chưa cấu hình token, "
        "trên cơ sở dữ liệu của bot khi đã có token",
    )
    con.add_argument("--as", dest="login", help="tên đăng nhập, ví dụ binh, minh, thu")
    which = con.add_mutually_exclusive_group()
    which.add_argument("--demo", action="store_true", help="dùng cơ sở dữ liệu mẫu (DEMO_DATABASE_PATH)")
    which.add_argument("--real", action="store_true", help="dùng cơ sở dữ liệu của bot (DATABASE_PATH)")
    con.add_argument(
        "--channel",
        choices=["telegram", "zalo"],
        default="telegram",
        help="hiển thị như trên Telegram (nút bấm) hay Zalo (lựa chọn đánh số, tin nhắn tối đa 2.000 ký tự)",
    )
    fil = sub.add_parser("file", help="lấy một tệp (biểu đồ, Excel) mà bot đã gửi dạng liên kết, theo mã")
    fil.add_argument("token", help="mã trong tin nhắn của bot (sau “ptdv file”)")
    fil.add_argument("--out", help="tên tệp ghi ra (mặc định: tên gốc)")
    inv = sub.add_parser("invite", help="tạo mã mời đăng ký cho một đơn vị, hoặc cho một người dùng đã có")
    inv.add_argument("unit", nargs="?", help="mã hoặc tên đơn vị, ví dụ CAH hoặc “Công an huyện”")
    inv.add_argument(
        "--user",
        help="người dùng đã có (tên đăng nhập hoặc #mã, xem `ptdv users`): đăng ký xong, tài khoản chat gắn với "
        "người này, không tạo người dùng mới",
    )
    inv.add_argument(
        "--role",
        type=_role,
        default="reporter",
        help="bao-cao hoặc theo-doi: người báo cáo của đơn vị (mặc định), hoặc cán bộ theo dõi đơn vị và cấp dưới",
    )
    inv.add_argument("--days", type=int, default=7, help="số ngày hiệu lực (mặc định 7)")
    inv.add_argument(
        "--name",
        help="họ tên người được mời (mặc định lấy tên trên ứng dụng chat); trùng tên một người của đơn vị thì mã "
        "dành cho người đó",
    )
    inv.add_argument(
        "--channel",
        choices=["telegram", "zalo", "any"],
        default="any",
        help="ứng dụng chat người được mời dùng; mã chỉ dùng được trên ứng dụng đó (mặc định: bất kỳ)",
    )
    sub.add_parser("users", help="danh sách người dùng")
    unit = sub.add_parser("unit", help="tổ chức lại: them|doiten|chuyen|hopnhat|tach|ngung (như /tochuc)")
    unit.add_argument("words", nargs="+", help="ví dụ: hopnhat THP, HP thành Đảng bộ xã Thu Hợp Phong")
    unit.add_argument("--yes", action="store_true", help="không hỏi lại")
    kh = sub.add_parser("khoi", help="xem, đổi tên, thêm khối: khoi | khoi doiten <cũ> | <mới> | khoi them <tên>")
    kh.add_argument("words", nargs="*", help="ví dụ: doiten Khối cơ quan | Khối cơ quan Đảng, chính quyền")
    kh.add_argument("--unit", help="mã hoặc tên đơn vị (mặc định: đơn vị cấp cao nhất)")
    dh = sub.add_parser("daihoi", help="ghi ngày đại hội mở đầu nhiệm kỳ (như /daihoi), ví dụ: daihoi 20/9/2025")
    dh.add_argument("words", nargs="+", help="ngày đại hội, có thể thêm nhiệm kỳ: 15/10/2020 nhiệm kỳ 2020–2025")
    dh.add_argument("--unit", help="mã hoặc tên đơn vị (mặc định: đơn vị cấp cao nhất)")
    ind = sub.add_parser(
        "indicator",
        help="chỉ tiêu cơ cấu: indicator list | indicator add <tên> [| <viết tắt> | <cách gọi khác, …>]"
        " | indicator rename <tên cũ> | <tên mới> | indicator batbuoc <tên> | có/không",
    )
    ind.add_argument("words", nargs="*", help="ví dụ: add bộ đội xuất ngũ | BĐXN | xuất ngũ")
    imp = sub.add_parser("import", help="nhập đơn vị, người dùng, chỉ tiêu, số liệu từ .xlsx hoặc .csv")
    imp.add_argument("file", help="tệp .xlsx (theo mẫu `ptdv template`) hoặc .csv")
    tpl = sub.add_parser("template", help="tạo tệp mẫu nhập dữ liệu (.xlsx)")
    tpl.add_argument("--fill", action="store_true", help="điền sẵn dữ liệu hiện có trong cơ sở dữ liệu")
    tpl.add_argument("--out", default="mau-nhap-ptdv.xlsx", help="tên tệp ghi ra (mặc định: mau-nhap-ptdv.xlsx)")
    sub.add_parser("doctor", help="kiểm tra cấu hình, token, cơ sở dữ liệu, lịch chạy và sao lưu")
    sub.add_parser("backup", help="sao lưu cơ sở dữ liệu (an toàn khi bot đang chạy), có kiểm tra toàn vẹn")
    res = sub.add_parser("restore", help="khôi phục từ một bản sao lưu (dừng bot trước)")
    res.add_argument("file", help="tệp sao lưu .sqlite3")
    rem = sub.add_parser("remind", help="nhắc nhở: xem trước ai sẽ nhận tin gì, với đúng nội dung tin (không gửi gì)")
    rem.add_argument("--dry-run", action="store_true", help="chỉ in ra, không gửi (luôn như vậy; giữ cho quen tay)")
    rem.add_argument("--unit", help="chỉ trong đơn vị này (mặc định: toàn bộ)")
    rem.add_argument("--at", help="giả định thời điểm, ví dụ “2026-09-15 08:00” (mặc định: bây giờ)")
    cal = sub.add_parser("calendar", help="xem hoặc sửa lịch báo cáo và nhắc nhở")
    cal.add_argument("changes", nargs="*", help="như lệnh /nhacnho trong chat, ví dụ: han 20 · truoc 5 1 · tamdung")
    exp = sub.add_parser("export", help="xuất báo cáo tiến độ ra tệp Excel")
    exp.add_argument("period", nargs="*", default=[], help="kỳ báo cáo, ví dụ 2021, “q3 2021”, “6 tháng đầu năm”")
    exp.add_argument("--unit", help="mã hoặc tên đơn vị (mặc định: đơn vị gốc)")
    exp.add_argument("--out", help="tên tệp .xlsx (mặc định: tien-do-<đơn vị>-<kỳ>.xlsx)")
    rep = sub.add_parser(
        "report", help="dự thảo báo cáo kết quả công tác phát triển đảng viên (.docx) và phụ lục (.xlsx)"
    )
    rep.add_argument("span", nargs="*", help="kỳ: “9 tháng 2021”, “6 tháng”, “năm 2025”, “nhiệm kỳ 2020-2025”")
    rep.add_argument("--unit", help="mã hoặc tên đơn vị (mặc định: đơn vị gốc)")
    rep.add_argument("--out-dir", default=".", help="thư mục ghi hai tệp (mặc định: thư mục hiện tại)")
    for command in (setup, run, con, inv, unit, kh, imp, tpl, rem, cal, exp, rep):
        command.add_argument(
            "--today",
            type=_day,
            metavar="NGÀY",
            help="coi hôm nay là ngày này, ví dụ 2026-10-31 (để chạy lại một cuộc trò chuyện hay thử kỳ báo cáo)",
        )
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” không phải là ngày dạng NĂM-THÁNG-NGÀY, ví dụ 2026-10-31") from None


def _clock(settings: Settings, args: argparse.Namespace) -> Clock | None:
    """The clock the command runs on: the system's, or moved to `--today`."""
    today = getattr(args, "today", None)
    return OffsetClock(settings.tz, today) if today is not None else None


async def _migrate(settings: Settings) -> str:
    db = await app.open_database(settings)
    await db.close()
    return f"Cơ sở dữ liệu {settings.database_path} đã ở phiên bản mới nhất."


def _file_code_as_argument(argv: list[str]) -> list[str]:
    """`ptdv file -VR2…`: a file code (from before codes were kept from starting with "-") is taken as the code,
    not as an unknown option, by moving it after "--" (which `ptdv file -- -VR2…` may also write itself)."""
    if not argv or argv[0] != "file" or "--" in argv:
        return argv
    rest, codes = argv[1:], []
    for i, arg in enumerate(rest):
        option = arg in ("-h", "--help", "--out") or arg.startswith("--out=") or (i and rest[i - 1] == "--out")
        if arg.startswith("-") and not option:
            codes.append(i)
    if not codes:
        return argv
    return ["file", *(a for i, a in enumerate(rest) if i not in codes), "--", *(rest[i] for i in codes)]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(_file_code_as_argument(list(sys.argv[1:] if argv is None else argv)))
    if args.command == "doctor":
        checks, ok = asyncio.run(doctor.run())  # a database it cannot open is one failed check
        print(redact("\n".join(str(c) for c in checks)))
        return 0 if ok else 1
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return 2
    register(settings.secrets)
    quiet = args.command in ("console", "setup") or (args.command == "run" and not settings.channels)
    app.configure_logging(settings, quiet=quiet)
    clock = _clock(settings, args)
    try:
        if args.command == "setup":
            print(asyncio.run(app.setup_demo(settings, clock) if args.demo else app.setup(settings)))
        elif args.command == "migrate":
            print(asyncio.run(_migrate(settings)))
        elif args.command == "invite":
            channel = None if args.channel == "any" else args.channel
            print(
                asyncio.run(
                    admin_cli.invite(
                        settings, args.unit, args.role, args.days, args.name, args.user, channel, clock=clock
                    )
                )
            )
        elif args.command == "export":
            print(asyncio.run(admin_cli.export(settings, " ".join(args.period), args.unit, args.out, clock=clock)))
        elif args.command == "report":
            print(
                asyncio.run(
                    admin_cli.periodic_report(settings, " ".join(args.span), args.unit, args.out_dir, clock=clock)
                )
            )
        elif args.command == "remind":
            print(asyncio.run(admin_cli.remind_preview(settings, args.unit, args.at, clock=clock)))
        elif args.command == "calendar":
            print(asyncio.run(admin_cli.calendar(settings, " ".join(args.changes), clock=clock)))
        elif args.command == "backup":
            now = SystemClock(settings.tz).now()  # the command line's edge
            path = backup.backup(settings.database_path, settings.backup_dir, now, settings.backup_keep)
            print(f"Đã sao lưu: {path} (kiểm tra toàn vẹn: ok)")
        elif args.command == "restore":
            counts = backup.restore(Path(args.file), settings.database_path)
            asyncio.run(_migrate(settings))
            print(
                f"Đã khôi phục {settings.database_path} từ {args.file}: "
                f"{counts.get('units', 0)} đơn vị, {counts.get('submissions', 0)} báo cáo, "
                f"{counts.get('users', 0)} người dùng."
            )
        elif args.command == "unit":
            print(asyncio.run(admin_cli.reorganise(settings, " ".join(args.words), args.yes, clock=clock)))
        elif args.command == "khoi":
            print(asyncio.run(admin_cli.manage_khoi(settings, args.unit, " ".join(args.words), clock=clock)))
        elif args.command == "daihoi":
            print(asyncio.run(admin_cli.record_congress(settings, args.unit, " ".join(args.words), clock=clock)))
        elif args.command == "indicator":
            print(asyncio.run(admin_cli.manage_indicators(settings, " ".join(args.words), clock=clock)))
        elif args.command == "import":
            print(asyncio.run(admin_cli.import_file(settings, Path(args.file), clock=clock)))
        elif args.command == "template":
            print(asyncio.run(admin_cli.template(settings, Path(args.out), args.fill, clock=clock)))
        elif args.command == "file":
            print(asyncio.run(admin_cli.save_file(settings, args.token, args.out)))
        elif args.command == "users":
            print(asyncio.run(admin_cli.list_users(settings)))
        elif args.command == "run" and settings.channels:
            asyncio.run(app.run_bot(settings, clock=clock))
        elif args.command in ("run", "console"):
            on_demo = args.command == "run" or args.demo or not (settings.channels or args.real)
            if on_demo:
                asyncio.run(app.setup_demo(settings, clock))
                settings = app.demo_settings(settings)
            if args.command == "run":
                print(
                    "Chưa cấu hình TELEGRAM_BOT_TOKEN hay ZALO_BOT_TOKEN: mở bảng chat console trên dữ liệu mẫu "
                    f"({settings.database_path}).",
                    file=sys.stderr,
                )
            console_channel: str = getattr(args, "channel", "telegram")
            asyncio.run(
                app.run_console(
                    settings, login=args.login, inp=sys.stdin, out=sys.stdout, channel=console_channel, clock=clock
                )
            )
    except (ConfigError, admin_cli.CliError, backup.BackupError) as exc:
        print(redact(str(exc)), file=sys.stderr)
        return 2
    except (UnusableDatabase, PollerFatal) as exc:  # the process cannot go on: one line, non-zero for systemd
        print(redact(str(exc)), file=sys.stderr)
        return 1
    except OSError as exc:  # a file the command reads or writes (ptdv template --out, export, file…)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"Lỗi tệp{where}: {os_reason(exc)}.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the process cannot go on: one clear line, never the token
        print(failure_line(exc), file=sys.stderr)
        return 1
    return 0


def failure_line(exc: BaseException) -> str:
    """What stopped the command, on one redacted line (a rejected token, an unreachable API...)."""
    from telegram.error import InvalidToken, NetworkError

    from handlers.zalo_api import ZaloError, ZaloUnauthorized

    if isinstance(exc, InvalidToken):
        return "Token Telegram bị từ chối: kiểm tra TELEGRAM_BOT_TOKEN trong .env (chạy `ptdv doctor` để thử)."
    if isinstance(exc, ZaloUnauthorized):
        return "Token Zalo bị từ chối: kiểm tra ZALO_BOT_TOKEN trong .env (chạy `ptdv doctor` để thử)."
    if isinstance(exc, NetworkError):
        return f"Không kết nối được máy chủ Telegram ({failure_reason(exc)}). Kiểm tra mạng hoặc TELEGRAM_API_BASE_URL."
    if isinstance(exc, ZaloError):
        reason = network_reason(exc) or without_urls(f"{exc.code}: {' '.join(exc.description.split())}"[:160])
        return f"Không dùng được Zalo Bot API ({reason}). Kiểm tra mạng, ZALO_BOT_TOKEN hoặc ZALO_API_BASE_URL."
    logging.getLogger("bot").error("stopped by an unexpected error", exc_info=exc)  # redacted by the log filter
    return f"Lỗi: {failure_reason(exc)}"
