"""Linting many files: the content cache first, then worker processes for the rest.

``lint_files`` returns one :class:`Outcome` per file, in the order of the files given, so
the output never depends on which worker finished first. The steps:

1. With a cache, every file is read and hashed here; files whose entry exists are done.
2. The files left are linted by a pool of ``jobs`` worker processes when that pays: at
   least ``MIN_FILES_FOR_POOL`` files and ``MIN_SECONDS_FOR_POOL`` of estimated work
   (:func:`estimate`: size, and whether the prefilter lets the file through to LibCST).
   A pool costs ~0.05 s (fork, pipes); the analyzer (LibCST, ~0.3 s to import) is
   imported once here before the fork rather than in every worker. Otherwise, and with
   ``jobs`` 1, the files are linted in this process (measured: bench/README.md, "Scale").
3. Workers take the costliest files first (so one big file does not finish alone at the
   end) and store their results in the cache themselves.

A worker that dies (it should not: see :mod:`xentlint.guard`) breaks the pool; the files
left are then linted one at a time in a single worker, so that the file being linted when a
worker dies is reported as an internal error, and every other file is linted. Where no
process pool can be started, the files are linted in this process.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xentlint.config import Config
from xentlint.diagnostics import Diagnostic
from xentlint.pipeline import InternalError, debug_traceback, lint_bytes, lint_file
from xentlint.project import Project
from xentlint.sources import UnreadableSource, read_file

if TYPE_CHECKING:
    from xentlint.cache import Cache

#: Fewer files than this to lint (after the cache) and no pool is started.
MIN_FILES_FOR_POOL = 8
#: ... nor when the estimated work (seconds on one core, see ``estimate``) is below this.
MIN_SECONDS_FOR_POOL = 0.4
# Cost model, measured on this project's benchmark machine with keras, tensorflow and
# generated Keras scripts: a fixed cost per file, then per MB of source ``ast`` alone
# (files the prefilter drops) or ``ast`` + LibCST + the interpreter (files it keeps).
_SECONDS_PER_FILE = 0.002
_SECONDS_PER_MB = 0.3
_SECONDS_PER_MB_ANALYSED = 4.0

Task = tuple[int, Path, str, float]  # index, path, display name, estimated seconds


@dataclass
class Outcome:
    """What linting one file gave: its findings, or the error that stopped it."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    cached: bool = False


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def lint_files(
    files: Sequence[tuple[Path, str]],
    config: Config,
    *,
    jobs: int = 1,
    cache: Cache | None = None,
    project: Project | None = None,
) -> list[Outcome]:
    """Lint ``files`` (``(path, display name)`` pairs); one outcome per file, in order.

    ``project``: the run's view of the project modules the files import (by default one
    in which a fix may edit any of ``files``).
    """
    if project is None:
        project = Project(config, run_files=[path for path, _ in files])
    outcomes: list[Outcome | None] = [None] * len(files)
    pending: list[tuple[int, bytes | None]] = []
    for index, (path, display) in enumerate(files):
        data = None
        if cache is not None:
            data = _read(path, config)
            if data is not None:
                key = cache.key(data, display, config)
                hit = cache.load(key, display, path=path, project=project)
                if hit is not None:
                    outcomes[index] = Outcome(hit, cached=True)
                    continue
        pending.append((index, data))
    tasks: list[Task] = []
    analysed = False
    if jobs > 1 and len(pending) >= MIN_FILES_FOR_POOL:
        for index, data in pending:  # the bytes are read again by the workers: not kept
            if data is None:
                data = _read(files[index][0], config)
            seconds, relevant = _cost(data)
            tasks.append((index, *files[index], seconds))
            analysed = analysed or relevant
    if tasks and sum(task[3] for task in tasks) >= MIN_SECONDS_FOR_POOL:
        pending.clear()
        for index, outcome in _run_pool(tasks, config, cache, jobs, analysed, project).items():
            outcomes[index] = outcome
    else:
        for index, data in pending:
            path, display = files[index]
            outcomes[index] = lint_one(path, display, config, cache, data, project)
    return [outcome if outcome is not None else Outcome() for outcome in outcomes]


def _relevant(data: bytes) -> bool:
    from xentlint.prefilter import is_relevant

    return is_relevant(data.decode("latin-1"))  # the keywords are ASCII: any decoding works


def _cost(data: bytes | None) -> tuple[float, bool]:
    """Estimated seconds to lint one file, and whether LibCST will parse it."""
    if data is None:  # unreadable: reported without work
        return _SECONDS_PER_FILE, False
    relevant = _relevant(data)
    per_mb = _SECONDS_PER_MB_ANALYSED if relevant else _SECONDS_PER_MB
    return _SECONDS_PER_FILE + per_mb * len(data) / 1e6, relevant


def estimate(contents: Iterable[bytes | None]) -> tuple[float, bool]:
    """Seconds one process would take to lint files of these contents, and whether any of
    them gets the full analysis."""
    costs = [_cost(data) for data in contents]
    return sum(seconds for seconds, _ in costs), any(relevant for _, relevant in costs)


def _read(path: Path, config: Config) -> bytes | None:
    try:
        return read_file(path, max_bytes=config.max_file_size)
    except (UnreadableSource, OSError):
        return None  # lint_one reports it (XEN902)


def lint_one(
    path: Path,
    display: str,
    config: Config,
    cache: Cache | None = None,
    data: bytes | None = None,
    project: Project | None = None,
) -> Outcome:
    """Lint one file (``data``: its bytes, when already read); never raises."""

    try:
        if project is None:
            project = Project(config, run_files=[path])
        finder = project.for_file(path, display)
        if data is None:
            data = _read(path, config)
            if data is None:  # unreadable: lint_file says why, without caching it
                return Outcome(lint_file(path, display, config, finder))
        key = cache.key(data, display, config) if cache is not None else None
        if cache is not None and key is not None:
            hit = cache.load(key, display, path=path, project=project)
            if hit is not None:
                return Outcome(hit, cached=True)
        diagnostics = lint_bytes(data, display, config=config, project=finder)
        if cache is not None and key is not None:
            cache.store(key, diagnostics, finder.dependencies, path=path, display=display)
        return Outcome(diagnostics)
    except InternalError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:  # a bug in xentlint: report it, go on with other files
        debug_traceback()
        return Outcome(error=str(InternalError(display, exc)))


# --------------------------------------------------------------------------- the pool

_worker_config: Config | None = None
_worker_cache: Cache | None = None
_worker_project: Project | None = None


def _init_worker(config: Config, cache: Cache | None, project: Project | None = None) -> None:
    global _worker_config, _worker_cache, _worker_project
    _worker_config, _worker_cache, _worker_project = config, cache, project
    # Ctrl-C is the parent's to handle: it stops the pool; workers finish their file quietly
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Files estimated to take longer than this are "big" (an analysed file over ~60 KB):
#: LibCST holds ~270 bytes per byte of an analysed file, so these set a worker's memory
#: peak (a 665 KB generated tensorflow file: ~230 MB). A worker gives that memory back
#: after each big file, and big files are spread out (``schedule``) so that the workers'
#: peaks rarely coincide.
BIG_SECONDS = 0.25


def _work(chunk: list[Task]) -> list[tuple[int, Outcome]]:
    assert _worker_config is not None
    out = []
    for index, path, display, seconds in chunk:
        outcome = lint_one(path, display, _worker_config, _worker_cache, None, _worker_project)
        out.append((index, outcome))
        if seconds >= BIG_SECONDS:
            release_memory()
    return out


def release_memory() -> None:
    """Give the memory of a big file's tree back to the system.

    Without it a worker keeps the high-water mark of the largest file it has seen (freed
    objects stay in CPython's and glibc's free lists), and the workers' peaks add up.
    """
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass


def schedule(tasks: list[Task], workers: int) -> list[list[Task]]:
    """Chunks of tasks in the order workers take them.

    The big files come first, costliest first (so none finishes alone at the end), each in
    a chunk of its own and followed by about ``(workers - 1) x`` its cost in chunks of small
    files: while one worker holds a big file's tree in memory, the others take small files
    rather than the next big one, so two memory peaks rarely coincide.
    """
    ordered = sorted(tasks, key=lambda task: -task[3])
    big = [task for task in ordered if task[3] >= BIG_SECONDS]
    small = ordered[len(big) :]
    size = max(1, min(16, len(small) // (workers * 8)))
    small_chunks = [small[i : i + size] for i in range(0, len(small), size)]
    chunks: list[list[Task]] = []
    position = 0
    for task in big:
        chunks.append([task])
        budget = task[3] * (workers - 1)
        while budget > 0 and position < len(small_chunks):
            budget -= sum(item[3] for item in small_chunks[position])
            chunks.append(small_chunks[position])
            position += 1
    chunks.extend(small_chunks[position:])
    return chunks


def _run_pool(
    tasks: list[Task],
    config: Config,
    cache: Cache | None,
    jobs: int,
    analysed: bool = True,
    project: Project | None = None,
) -> dict[int, Outcome]:
    from concurrent.futures.process import BrokenProcessPool  # only when there is work

    context = _context()
    if analysed and context.get_start_method() == "fork":
        _preload()  # once here rather than once in every worker
    done: dict[int, Outcome] = {}
    workers = min(jobs, len(tasks))
    # The workers' collectors leave the inherited objects alone: fewer pages copied on
    # write, less to traverse (measured: 7 % less CPU and wall on 200 Keras scripts, -j2).
    gc.freeze()
    try:
        _map(schedule(tasks, workers), done, config, cache, context, workers, project)
    except BrokenProcessPool:
        # A worker died (a crash in native code). Go on one file at a time in one worker,
        # so the file that was running when a worker dies is the one to blame.
        left = [task for task in tasks if task[0] not in done]
        while left:
            try:
                _map([[task] for task in left], done, config, cache, context, 1, project)
            except BrokenProcessPool:
                index, _path, display, _ = next(t for t in left if t[0] not in done)
                done[index] = Outcome(error=f"{display}: internal error: the worker crashed")
            left = [task for task in left if task[0] not in done]
    except (OSError, ImportError, NotImplementedError):
        pass  # no process pool on this platform (no /dev/shm...): lint here instead
    finally:
        gc.unfreeze()
    for index, path, display, _ in tasks:
        if index not in done:
            done[index] = lint_one(path, display, config, cache, None, project)
    return done


def _map(
    chunks: list[list[Task]],
    done: dict[int, Outcome],
    config: Config,
    cache: Cache | None,
    context: Any,
    workers: int,
    project: Project | None = None,
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(config, cache, project)
    ) as pool:
        # The workers are forked while map() submits: with SIGINT blocked until then, a
        # Ctrl-C cannot reach a worker before _init_worker ignores it (the parent gets it
        # when it is unblocked, and stops the run: xentlint.cli prints one line).
        blocked = _block_sigint()
        try:
            results = pool.map(_work, chunks)
        finally:
            _restore_sigmask(blocked)
        for result in results:
            done.update(result)


def plan_tasks(
    files: Sequence[tuple[Path, str]], config: Config, jobs: int
) -> tuple[list[Task], bool] | None:
    """The files as pool tasks (with their estimated cost) and whether any is analysed;
    None when a pool does not pay (``jobs`` 1, too few files, too little work)."""
    if jobs <= 1 or len(files) < MIN_FILES_FOR_POOL:
        return None
    tasks: list[Task] = []
    analysed = False
    for index, (path, display) in enumerate(files):
        seconds, relevant = _cost(_read(path, config))
        tasks.append((index, path, display, seconds))
        analysed = analysed or relevant
    if sum(task[3] for task in tasks) < MIN_SECONDS_FOR_POOL:
        return None
    return tasks, analysed


def run_in_pool(
    work: Callable[[list[Task]], list[tuple[int, Any]]],
    tasks: list[Task],
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    analysed: bool = True,
) -> dict[int, Any]:
    """``work`` over the tasks in ``jobs`` worker processes (each started with
    ``initializer(*initargs)``), the costliest first: index -> result. Tasks without a
    result (no pool could be started, or a worker died) are the caller's to run."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = _context()
    if analysed and context.get_start_method() == "fork":
        _preload()
    done: dict[int, Any] = {}
    workers = min(jobs, len(tasks))
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_any_worker,
            initargs=(initializer, initargs),
        ) as pool:
            blocked = _block_sigint()
            try:
                results = pool.map(work, schedule(tasks, workers))
            finally:
                _restore_sigmask(blocked)
            for result in results:
                done.update(result)
    except (BrokenProcessPool, OSError, ImportError, NotImplementedError):
        pass  # what is not done is run by the caller, in its own process
    finally:
        gc.unfreeze()
    return done


def _init_any_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's (see _map)
    initializer(*initargs)


def _block_sigint() -> set[int] | None:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _restore_sigmask(previous: set[int] | None) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _preload() -> None:
    """Import the analyzer (LibCST, ~0.3 s) before forking, so workers inherit it."""
    try:
        import xentlint.fix.rules  # noqa: F401 - used when a file has findings
        import xentlint.static.analyze  # noqa: F401
        import xentlint.static.interpreter  # noqa: F401
    except ImportError:  # pragma: no cover - the workers will report it
        pass


def _context():  # type: ignore[no-untyped-def]
    """``fork`` on Linux (workers inherit the imported modules), else the default."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def run_settings(
    config: Config, *, jobs: int | None, no_cache: bool, cache_dir: Path | None
) -> dict[str, object]:
    """``check_paths`` keywords for the command line's ``-j``, ``--no-cache``, ``--cache-dir``."""
    cache = None
    if not no_cache:
        from xentlint.cache import Cache, UnsafeCacheFolder

        try:
            cache = Cache.open(config, cache_dir)
        except UnsafeCacheFolder as exc:  # a planted link: never write through it
            print(f"xentlint: warning: not using the cache: {exc}", file=sys.stderr)
    return {"jobs": default_jobs() if jobs is None else max(1, jobs), "cache": cache}
