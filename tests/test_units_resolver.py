import pytest

from bot.language.units import UnitIndex
from bot.runtime import demo

NAMES = [(i, u.name) for i, u in enumerate((demo.ROOT, *demo.UNITS))] + [
    (i, u.short) for i, u in enumerate((demo.ROOT, *demo.UNITS))
]
INDEX = UnitIndex(NAMES)
BY_NAME = {u.name: i for i, u in enumerate((demo.ROOT, *demo.UNITS))}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("xã Bắc Phong", "Đảng bộ xã Bắc Phong"),
        ("bac phong", "Đảng bộ xã Bắc Phong"),
        ("Đảng bộ xã Bắc Phong", "Đảng bộ xã Bắc Phong"),
        ("cong an huyen", "Đảng bộ Công an huyện"),
        ("công an huỵen", "Đảng bộ Công an huyện"),
        ("xa tay phog", "Đảng bộ xã Tây Phong"),
        ("thung nai", "Đảng bộ xã Thung Nai"),
        ("truong thpt thach yen", "Chi bộ Trường THPT Thạch Yên"),
        ("dong phong", "Đảng bộ xã Đông Phong"),
    ],
)
def test_forgiving_names(text, name):
    assert INDEX.resolve(text) == [BY_NAME[name]]


def test_ambiguous_name_gives_several():
    found = INDEX.resolve("cao phong")
    assert BY_NAME["Đảng bộ huyện Cao Phong"] in found and BY_NAME["Đảng bộ thị trấn Cao Phong"] in found


def test_unknown_name_gives_none():
    assert INDEX.resolve("xã Hoàng Sa") == []
    assert INDEX.resolve("") == []


def test_scope_filter():
    bp = BY_NAME["Đảng bộ xã Bắc Phong"]
    assert INDEX.resolve("bac phong", within={1, 2}) == ([bp] if bp in {1, 2} else [])
