"""The command line: `ptdv` (ptdv.py), administration (admin.py) and `ptdv doctor` (doctor.py)."""

from bot.cli.ptdv import main

__all__ = ["main"]
