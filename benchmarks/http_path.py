"""What the HTTP path costs: checkpoint round trips, and executions per second.

    .venv/bin/python benchmarks/http_path.py [--steps 200 --executions 5]
                                             [--count 400 --threads 8] [--auth]

Serves the API with uvicorn (parsing HTTP as `perdure server` does: httptools, which
`pip install perdure[server]` installs, else h11) on a free 127.0.0.1 port over an
embedded app with durable commits (SQLite WAL, synchronous=FULL) and in-process
handlers, then measures:

(a) Checkpoint latency. Executions of `--steps` sequential steps whose SDK talks to the
    server over HTTP, as a handler in a remote worker or on Lambda would: with
    `perdure._sdk.transport.http_client` (the standard-library client, when present) and with
    boto3 (`durable_execution(boto3_client=...)` given the Lambda JSON envelope). Each
    CheckpointDurableExecution is timed around the client call, so a figure is the
    whole round trip: serialising, HTTP, the service's durable commit, parsing the
    answer. The same handler run with the in-process client, in the same run on the
    same database, gives the cost HTTP is compared with. The modes are interleaved so
    that drift in the disk's speed hits them alike.
(b) Executions per second. `--count` executions of a one-step handler started with
    Invoke (Event) from `--threads` client threads, then waited for by polling
    GetDurableExecution; the rate is taken from the service's own Start/End timestamps
    (first start to last end), so the polling does not stretch it. Then as many
    synchronous Invokes (RequestResponse) from the same threads: the rate, and each
    Invoke's latency. The load comes from a separate process so that its Python does
    not share the server's interpreter lock, as real clients would not.

With `--auth` the server requires credentials: the load and `http_client` send a bearer
token, boto3 signs with a configured access key (SigV4, verified by the server).

Total runtime is bounded (about 30 s on a 2-core machine with the defaults). Speed is
measured here, never by timed tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import platform
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import uvicorn
from botocore.config import Config

from perdure import DurableContext, durable_execution
from perdure._api import create_app
from perdure._api.auth import AuthConfig
from perdure._app import EmbeddedApp, build_embedded
from perdure._cli.serve import http_parser
from perdure._model import CheckpointResponse, OperationUpdate, StateResponse
from perdure._runtime.registry import Handler
from perdure._sdk.transport.service_client import DurableServiceClient, EmbeddedInvocation
from perdure._wire.envelope import invocation_input_to_json

# Credentials the server accepts with --auth; `Lean` clients send the token when set.
TOKEN = "benchmark-token"
ACCESS_KEY = ("bench", "bench-secret")

# -- handlers ----------------------------------------------------------------------------


def steps(event: dict[str, int], context: DurableContext) -> int:
    total = 0
    for i in range(event["steps"]):
        total += context.step(_constant(i), name="s")
    return total


def _constant(value: int) -> Callable[[Any], int]:
    return lambda _: value


@durable_execution
def one_step(event: object, context: DurableContext) -> int:
    return context.step(lambda _: 1, name="only")


class Timings:
    """Checkpoint round trips (seconds) per mode, appended from handler threads."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def add(self, mode: str, seconds: float) -> None:
        with self._lock:
            self.samples.setdefault(mode, []).append(seconds)

    def take(self) -> dict[str, list[float]]:
        with self._lock:
            taken, self.samples = self.samples, {}
        return taken


class TimedClient:
    """A DurableServiceClient that times each checkpoint of the client it wraps."""

    def __init__(self, inner: DurableServiceClient, timings: Timings, mode: str) -> None:
        self._inner, self._timings, self._mode = inner, timings, mode

    def checkpoint(
        self,
        durable_execution_arn: str,
        checkpoint_token: str,
        updates: Sequence[OperationUpdate],
        client_token: str | None = None,
    ) -> CheckpointResponse:
        started = time.perf_counter()
        try:
            return self._inner.checkpoint(
                durable_execution_arn, checkpoint_token, updates, client_token
            )
        finally:
            self._timings.add(self._mode, time.perf_counter() - started)

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> StateResponse:
        return self._inner.get_execution_state(
            durable_execution_arn, checkpoint_token, marker, max_items
        )


class TimedBoto:
    """A boto3 `lambda` client that times CheckpointDurableExecution."""

    def __init__(self, inner: Any, timings: Timings) -> None:
        self._inner, self._timings = inner, timings

    def checkpoint_durable_execution(self, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.checkpoint_durable_execution(**kwargs)
        finally:
            self._timings.add("boto3", time.perf_counter() - started)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def in_process(timings: Timings) -> Handler:
    durable = durable_execution(steps)

    def run(event: EmbeddedInvocation, lambda_context: Any) -> Any:
        timed = TimedClient(event.client, timings, "in-process")
        return durable(dataclasses.replace(event, client=timed), lambda_context)

    return run


def over_http_client(timings: Timings, client: DurableServiceClient) -> Handler:
    """A remote worker's view: the invocation arrives as model objects, the SDK answers
    over HTTP with Perdure's standard-library client."""
    durable = durable_execution(steps)

    def run(event: EmbeddedInvocation, lambda_context: Any) -> Any:
        timed = TimedClient(client, timings, "http_client")
        return durable(dataclasses.replace(event, client=timed), lambda_context)

    return run


def over_boto3(timings: Timings, boto_client: Any) -> Handler:
    """Lambda's view: the JSON envelope in, the SDK answering through boto3."""
    durable = durable_execution(steps, boto3_client=TimedBoto(boto_client, timings))

    def run(event: EmbeddedInvocation, lambda_context: Any) -> Any:
        return durable(invocation_input_to_json(event.input), lambda_context)

    return run


# -- serving -----------------------------------------------------------------------------


@contextmanager
def serve(
    db_path: str, make_functions: Callable[[str], dict[str, Handler]], auth: AuthConfig | None
) -> Iterator[tuple[EmbeddedApp, str]]:
    """Serve the functions `make_functions(base_url)` returns (the handlers that talk
    back over HTTP need the URL, so the port is bound first)."""
    # IPPROTO_TCP so that asyncio sets TCP_NODELAY on accepted connections (no Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = build_embedded(db_path, make_functions(base_url), synchronous="FULL")
    api = create_app(app.ctx, invoke_timeout=60.0, auth=auth)
    config = uvicorn.Config(
        api, log_level="warning", lifespan="on", http=http_parser(), ws="none", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.005)
    try:
        yield app, base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.close()


# -- a lean HTTP client for the load (one kept-alive connection per thread) ---------------


class Lean:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self._conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        self._conn.request(method, path, body=body, headers={**self._auth, **(headers or {})})
        resp = self._conn.getresponse()
        data = resp.read()
        if resp.status >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def invoke(self, function: str, payload: object, kind: str) -> tuple[str, bytes]:
        _, headers, data = self.request(
            "POST",
            f"/2015-03-31/functions/{function}/invocations",
            json.dumps(payload).encode(),
            {"X-Amz-Invocation-Type": kind, "Content-Type": "application/json"},
        )
        return headers["x-amz-durable-execution-arn"], data

    def execution(self, arn: str) -> dict[str, Any]:
        path = f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
        doc: dict[str, Any] = json.loads(self.request("GET", path)[2])
        return doc


def _share(total: int, threads: int) -> list[int]:
    return [total // threads + (1 if i < total % threads else 0) for i in range(threads)]


def load(
    base_url: str, function: str, count: int, threads: int, kind: str, token: str | None
) -> dict[str, Any]:
    """Runs in the load process. `Event`: start `count` executions, then poll each until
    it ends. `RequestResponse`: `count` synchronous Invokes, each timed."""

    def worker(n: int) -> tuple[list[str], list[float]]:
        client = Lean(base_url, token)
        arns: list[str] = []
        latencies: list[float] = []
        for _ in range(n):
            started = time.perf_counter()
            arn, data = client.invoke(function, {}, kind)
            latencies.append(time.perf_counter() - started)
            if kind == "RequestResponse" and data != b"1":
                raise RuntimeError(f"unexpected result {data[:200]!r}")
            arns.append(arn)
        if kind == "Event":
            for arn in arns:
                while client.execution(arn)["Status"] == "RUNNING":
                    time.sleep(0.005)
        return arns, latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(worker, _share(count, threads)))
    elapsed = time.perf_counter() - started
    arns = [a for r in results for a in r[0]]
    reader = Lean(base_url, token)
    docs = [reader.execution(arn) for arn in arns]
    failed = [d["Status"] for d in docs if d["Status"] != "SUCCEEDED"]
    if failed:
        raise RuntimeError(f"{len(failed)} executions did not succeed: {failed[:5]}")
    # Epoch seconds, as the HTTP API renders timestamps.
    span = max(d["EndTimestamp"] for d in docs) - min(d["StartTimestamp"] for d in docs)
    return {
        "elapsed": elapsed,
        "span": span,
        "latencies": [lat for r in results for lat in r[1]],
    }


# -- measuring ---------------------------------------------------------------------------


def pct(samples: Sequence[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, "
        f"Python {platform.python_version()}, uvicorn {uvicorn.__version__} ({http_parser()}), "
        f"{platform.system()} {platform.release()}"
    )


def run_sync(base_url: str, function: str, payload: object, token: str | None) -> float:
    client = Lean(base_url, token)
    started = time.perf_counter()
    _, data = client.invoke(function, payload, "RequestResponse")
    elapsed = time.perf_counter() - started
    if not data.isdigit():
        raise RuntimeError(f"{function} did not succeed: {data[:300]!r}")
    return elapsed


def checkpoint_latency(args: argparse.Namespace, base_url: str, timings: Timings) -> None:
    modes = ["in-process", *(["http_client"] if HTTP_CLIENT else []), "boto3"]
    per_step: dict[str, list[float]] = {m: [] for m in modes}
    # One short warm-up execution per mode: first connections, first imports.
    for mode in modes:
        run_sync(base_url, mode, {"steps": 5}, args.token)
    timings.take()
    for _ in range(args.executions):
        for mode in modes:
            per_step[mode].append(
                run_sync(base_url, mode, {"steps": args.steps}, args.token) / args.steps
            )
    samples = timings.take()
    print(
        f"\n(a) checkpoint round trip, {args.executions} executions x {args.steps} "
        "sequential steps per mode, timed around the client call:"
    )
    # The HTTP floor: a round trip that commits nothing (GET /health reads the store).
    lean = Lean(base_url)
    empty = []
    for _ in range(300):
        before = time.perf_counter()
        lean.request("GET", "/health")
        empty.append(time.perf_counter() - before)
    print(
        f"  GET /health round trip (no commit): p50 {ms(statistics.median(empty))} "
        f"p99 {ms(pct(empty, 99))}"
    )
    base = statistics.median(samples["in-process"])
    base_step = statistics.median(per_step["in-process"])
    for mode in modes:
        got = samples[mode]
        p50 = statistics.median(got)
        print(
            f"  {mode:<11} checkpoints {len(got):>5}  p50 {ms(p50)}  p99 {ms(pct(got, 99))}  "
            f"max {ms(max(got))}  = {p50 / base:.2f}x in-process;  "
            f"per step {ms(statistics.median(per_step[mode]))} "
            f"= {statistics.median(per_step[mode]) / base_step:.2f}x in-process"
        )


def throughput(args: argparse.Namespace, base_url: str) -> None:
    ctx = get_context("spawn")
    token = args.token
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:

        def run(count: int, threads: int, kind: str) -> dict[str, Any]:
            return pool.submit(load, base_url, "one-step", count, threads, kind, token).result()

        # Warm the load process and the server's connections.
        run(args.threads, args.threads, "RequestResponse")
        ev = run(args.count, args.threads, "Event")
        sync = run(args.count, args.threads, "RequestResponse")
    print(f"\n(b) one-step executions, {args.count} per run, {args.threads} client threads:")
    print(
        f"  Invoke (Event) + polling : {args.count / ev['span']:.0f} executions/s "
        f"(first start to last end, service timestamps); client wall "
        f"{ev['elapsed']:.2f} s; Event Invoke p50 {ms(statistics.median(ev['latencies']))} "
        f"p99 {ms(pct(ev['latencies'], 99))}"
    )
    lat = sync["latencies"]
    print(
        f"  Invoke (RequestResponse) : {args.count / sync['elapsed']:.0f} executions/s "
        f"(client wall {sync['elapsed']:.2f} s); latency p50 {ms(statistics.median(lat))} "
        f"p99 {ms(pct(lat, 99))} max {ms(max(lat))}"
    )
    single = [run_sync(base_url, "one-step", {}, args.token) for _ in range(50)]
    print(
        f"  one client, one at a time: sync Invoke p50 {ms(statistics.median(single))} "
        f"p99 {ms(pct(single, 99))}"
    )


def _http_client_factory() -> Callable[..., DurableServiceClient] | None:
    try:
        from perdure._sdk.transport.http_client import HttpDurableServiceClient
    except ImportError:
        return None
    return HttpDurableServiceClient


HTTP_CLIENT = _http_client_factory()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200, help="steps per execution in (a)")
    parser.add_argument("--executions", type=int, default=5, help="executions per mode in (a)")
    parser.add_argument("--count", type=int, default=400, help="executions per run in (b)")
    parser.add_argument("--threads", type=int, default=8, help="client threads in (b)")
    parser.add_argument("--auth", action="store_true", help="require credentials")
    args = parser.parse_args()
    args.token = TOKEN if args.auth else None
    auth = (
        AuthConfig(tokens=frozenset({TOKEN}), access_keys=dict([ACCESS_KEY]), required=True)
        if args.auth
        else None
    )
    print(f"machine: {machine()}")
    print(
        "store: SQLite, WAL, synchronous=FULL; handlers in the server process; "
        + ("auth required (bearer token; boto3 SigV4)" if args.auth else "no auth")
    )
    started = time.perf_counter()
    timings = Timings()

    def functions(base_url: str) -> dict[str, Handler]:
        boto_client = boto3.client(
            "lambda",
            endpoint_url=base_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY[0],
            aws_secret_access_key=ACCESS_KEY[1],
            config=Config(retries={"max_attempts": 1}),
        )
        made: dict[str, Handler] = {
            "in-process": in_process(timings),
            "one-step": one_step,
            "boto3": over_boto3(timings, boto_client),
        }
        if HTTP_CLIENT is not None:
            client = HTTP_CLIENT(base_url, token=args.token)
            made["http_client"] = over_http_client(timings, client)
        return made

    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(str(Path(tmp) / "bench.db"), functions, auth) as (
            _,
            base_url,
        ),
    ):
        if HTTP_CLIENT is None:
            print("perdure._sdk.transport.http_client is not available: measuring boto3 only")
        checkpoint_latency(args, base_url, timings)
        throughput(args, base_url)
    print(f"\ntotal runtime {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
