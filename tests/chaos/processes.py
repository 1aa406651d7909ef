"""The Perdure processes under test: `perdure dev`, `perdure server` and `perdure worker`
as real subprocesses on loopback, each logging to a file, each killable at any moment.

A process is started either as the installed `perdure` command or, when the suite
jumps clocks, through `tests.chaos.skewed_clock` (the same CLI with an adjustable
clock). Restarting keeps the port, so clients keep their URL across crashes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.handlers import RECORD_ENV

ROOT = Path(__file__).resolve().parents[2]
HANDLERS_FILE = ROOT / "tests" / "chaos" / "handlers.py"
HANDLERS_MODULE = "tests.chaos.handlers"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def perdure_command() -> list[str]:
    """The installed console script next to this interpreter (`.venv/bin/perdure`)."""
    script = Path(sys.executable).parent / "perdure"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "perdure._cli.main"]


def health(url: str, timeout: float = 2.0) -> int | None:
    """The status `/health` answers with, or None if it does not answer in time."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


@dataclass
class Environment:
    """What every process of one run shares: its folder, record file and clock file."""

    folder: Path
    record: Path
    clock_file: Path | None = None  # set: processes start with an adjustable clock

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PERDURE_")}
        env[RECORD_ENV] = str(self.record)
        env["NO_COLOR"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        return env

    def command(self) -> list[str]:
        if self.clock_file is None:
            return perdure_command()
        return [sys.executable, "-m", "tests.chaos.skewed_clock", str(self.clock_file)]


@dataclass
class PerdureProcess:
    """One `perdure ...` process, restartable with the same arguments."""

    name: str
    args: list[str]
    environment: Environment
    url: str | None = None  # where it serves, for dev and server
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.environment.folder / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start it and, if it serves, wait until `/health` answers 200; the seconds
        that took. Raises RuntimeError (with the log's tail) if it exits or never
        answers."""
        began = time.monotonic()
        self.starts += 1
        with self.log.open("ab") as sink:
            sink.write(f"--- start {self.starts} ---\n".encode())
            sink.flush()
            self.proc = subprocess.Popen(
                [*self.environment.command(), *self.args],
                cwd=ROOT,
                env=self.environment.env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if self.url is None:
            return time.monotonic() - began
        deadline = began + timeout
        while health(self.url, timeout=1.0) != 200:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not healthy after {timeout:g}s:\n{self.tail()}")
            time.sleep(0.05)
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, grace: float = 20.0) -> int | None:
        """SIGTERM and wait (a graceful stop), SIGKILL after `grace` seconds."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def descendants(self) -> list[int]:
        """The processes this one started (handler processes, a dev server's child)."""
        if not self.alive() or self.pid is None:
            return []
        return descendants_of(self.pid)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def descendants_of(pid: int) -> list[int]:
    """Every live descendant of `pid`, read from /proc (empty where there is none)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def dev_process(environment: Environment, db: str, port: int) -> PerdureProcess:
    """`perdure dev` serving the chaos handlers: API, scheduler and workers in one
    process (no reloader, so a SIGKILL takes the whole runtime down at once)."""
    args = ["dev", str(HANDLERS_FILE), "--db", db, "--port", str(port), "--no-reload"]
    return PerdureProcess("dev", args, environment, url=f"http://127.0.0.1:{port}")


def server_process(environment: Environment, db: str, port: int) -> PerdureProcess:
    args = ["server", "--db", db, "--port", str(port)]
    return PerdureProcess("server", args, environment, url=f"http://127.0.0.1:{port}")


def worker_process(environment: Environment, endpoint: str, index: int) -> PerdureProcess:
    args = ["worker", HANDLERS_MODULE, "--endpoint", endpoint, "--concurrency", "4"]
    return PerdureProcess(f"worker-{index}", args, environment)
