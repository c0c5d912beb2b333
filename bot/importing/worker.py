"""Reading an import file in a separate process, with a memory cap and a time limit (issue 14, item 11).

A spreadsheet is a zip of XML: a small file can unpack to gigabytes, and parsing it is CPU work that would stop
the event loop. The cheap checks (size, zip directory: entries and uncompressed size) run here first; only a file
that passes them is parsed, by `python -m bot.importing.worker` in a child process whose address space is capped
(RLIMIT_AS) and which is killed after the time limit. The event loop only waits on the child's pipe.

The child reads one pickled request from stdin and writes one pickled answer to stdout: ("ok", ImportFile, chunks)
— the file's rows as separately pickled chunks, unpickled one at a time in a thread so that the parent's event loop
is never held for long — or ("refused", message, []). Both ends are this program, so pickle is safe here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import sys

from bot.importing.reader import FileRefused, ImportFile, Limits, check_size, read_file

log = logging.getLogger(__name__)

TOO_BIG = "Tệp quá lớn để đọc (vượt giới hạn bộ nhớ dành cho việc nhập). Xin chia thành nhiều tệp nhỏ hơn."
TOO_SLOW = "Đọc tệp quá lâu (quá {seconds:.0f} giây), đã dừng. Xin chia thành nhiều tệp nhỏ hơn."
FAILED = "Không đọc được tệp (lỗi khi đọc). Xin lưu lại dạng .xlsx hoặc .csv rồi gửi lại."


async def read_in_worker(
    name: str, content: bytes, limits: Limits, *, memory_bytes: int, time_limit: float
) -> ImportFile:
    """The file's rows, read in a child process; `FileRefused` with a Vietnamese reason otherwise."""
    check_size(name, content, limits)  # a zip bomb is refused here, before anything is unpacked
    request = pickle.dumps((name, content, limits, memory_bytes))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.importing.worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(request), time_limit)
    except TimeoutError:
        log.warning("reading %s took longer than %.0f s: stopped", name, time_limit)
        raise FileRefused(TOO_SLOW.format(seconds=time_limit)) from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    try:
        status, value, chunks = pickle.loads(out)  # the rows come as separately pickled chunks:
        for name_of_list, blob in chunks:  # unpickled a chunk at a time off the loop's thread, so that the loop
            getattr(value, name_of_list).extend(await asyncio.to_thread(pickle.loads, blob))  # gets the GIL between
    except Exception:  # the child died (out of memory outside Python's reach, killed): no answer
        tail = err.decode(errors="replace")[-300:]
        log.warning("reading %s: the worker ended with %s: %s", name, proc.returncode, tail)
        raise FileRefused(TOO_BIG if b"MemoryError" in err else FAILED) from None
    if status != "ok":
        raise FileRefused(value)
    return value


def _work(request: bytes) -> tuple[str, object]:
    name, content, limits, memory_bytes = pickle.loads(request)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError) as exc:  # not on this system: the time limit still holds
        print(f"no memory cap: {exc}", file=sys.stderr)
    try:
        return "ok", read_file(name, content, limits)
    except FileRefused as exc:
        return "refused", str(exc)
    except MemoryError:
        return "refused", TOO_BIG
    except Exception as exc:  # a damaged file may raise anything from deep inside a parser
        print(f"import worker: {exc!r}", file=sys.stderr)
        return "refused", FAILED


CHUNK = 5_000  # rows per pickled chunk (a 100,000-row file unpickled whole holds the parent's GIL ~1 s)


def _chunked(answer: tuple[str, object]) -> tuple[str, object, list[tuple[str, bytes]]]:
    status, value = answer
    chunks: list[tuple[str, bytes]] = []
    if isinstance(value, ImportFile):
        for name in ("units", "users", "targets", "reports", "history"):
            rows = getattr(value, name)
            chunks += [(name, pickle.dumps(rows[i : i + CHUNK])) for i in range(0, len(rows), CHUNK)]
            setattr(value, name, [])
    return status, value, chunks


def main() -> None:
    answer = _work(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(_chunked(answer)))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
