"""`make bench`: build the synthetic province and print every benchmark's figures."""

import asyncio
import platform
import sys
from pathlib import Path

from bench import query_latency, reminders


def main() -> None:
    print(f"PTĐV Bot benchmarks — Python {sys.version.split()[0]}, {platform.machine()}, {platform.processor() or ''}")
    path = Path("data/bench-province.sqlite3")
    asyncio.run(query_latency.main(path))
    asyncio.run(reminders.main(path))


main()
