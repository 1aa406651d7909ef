"""The threads routes hand their blocking service calls to (`perdure._api.threads`)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from perdure._api.threads import BlockingCalls

REQUEST = contextvars.ContextVar("REQUEST", default="none")


def test_a_call_returns_its_result_and_runs_off_the_event_loop() -> None:
    async def main() -> tuple[int, bool]:
        loop_thread = threading.get_ident()
        calls = BlockingCalls()
        result = await calls.run(lambda a, b=0: a + b, 2, b=3)
        elsewhere = await calls.run(lambda: threading.get_ident() != loop_thread)
        return result, elsewhere

    assert asyncio.run(main()) == (5, True)


def test_what_a_call_raises_reaches_the_caller() -> None:
    def fail() -> None:
        raise KeyError("missing")

    async def main() -> None:
        await BlockingCalls().run(fail)

    with pytest.raises(KeyError, match="missing"):
        asyncio.run(main())


def test_a_call_that_raises_stop_iteration_fails_instead_of_hanging() -> None:
    def stop() -> None:
        raise StopIteration

    async def main() -> None:
        await asyncio.wait_for(BlockingCalls().run(stop), 5)

    with pytest.raises(RuntimeError, match="StopIteration"):
        asyncio.run(main())


def test_a_call_sees_the_callers_context_variables() -> None:
    async def main() -> str:
        REQUEST.set("checkpoint")
        return await BlockingCalls().run(REQUEST.get)

    assert asyncio.run(main()) == "checkpoint"


def test_calls_beyond_the_thread_limit_wait_their_turn_and_all_finish() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def work(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return i

    async def main() -> tuple[list[int], int]:
        calls = BlockingCalls(3)
        results = await asyncio.gather(*(calls.run(work, i) for i in range(12)))
        return list(results), calls.threads

    results, threads = asyncio.run(main())
    assert results == list(range(12))
    assert most == 3
    assert threads == 3


def test_sequential_calls_reuse_one_thread() -> None:
    async def main() -> set[int]:
        calls = BlockingCalls()
        return {await calls.run(threading.get_ident) for _ in range(20)}

    assert len(asyncio.run(main())) == 1


def test_idle_threads_end_and_later_calls_start_new_ones() -> None:
    async def main() -> tuple[int, int, int]:
        calls = BlockingCalls(idle_seconds=0.05)
        await asyncio.gather(*(calls.run(time.sleep, 0.01) for _ in range(4)))
        before = calls.threads
        deadline = time.monotonic() + 5
        while calls.threads and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        after = calls.threads
        assert await calls.run(lambda: 7) == 7
        return before, after, calls.threads

    before, after, again = asyncio.run(main())
    assert before >= 1
    assert after == 0
    assert again == 1


def test_a_cancelled_caller_does_not_disturb_later_calls() -> None:
    started = threading.Event()
    release = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "late"

    async def main() -> str:
        calls = BlockingCalls(1)
        task = asyncio.ensure_future(calls.run(slow))
        while not started.is_set():
            await asyncio.sleep(0.005)
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await calls.run(lambda: "next")

    assert asyncio.run(main()) == "next"


def test_brief_calls_of_one_caller_run_on_the_event_loop_thread() -> None:
    async def main() -> set[bool]:
        loop_thread = threading.get_ident()
        calls = BlockingCalls()
        here = {
            await calls.run_brief(("127.0.0.1", 5000), lambda: threading.get_ident() == loop_thread)
            for _ in range(5)
        }
        return here | {calls.threads == 0}

    assert asyncio.run(main()) == {True}


def test_brief_calls_of_two_callers_at_once_run_on_threads_until_one_is_left() -> None:
    async def main() -> list[bool]:
        loop_thread = threading.get_ident()
        calls = BlockingCalls(shared_window=0.05)

        def on_loop() -> bool:
            return threading.get_ident() == loop_thread

        seen = [await calls.run_brief(("127.0.0.1", 5000), on_loop)]
        for _ in range(3):
            seen.append(await calls.run_brief(("127.0.0.1", 5001), on_loop))
            seen.append(await calls.run_brief(("127.0.0.1", 5000), on_loop))
        await asyncio.sleep(0.06)  # the other caller has gone quiet
        seen.append(await calls.run_brief(("127.0.0.1", 5000), on_loop))
        return seen

    assert asyncio.run(main()) == [True, False, False, False, False, False, False, True]


def test_a_brief_call_goes_to_a_thread_while_another_call_runs_on_one() -> None:
    release = threading.Event()

    async def main() -> bool:
        loop_thread = threading.get_ident()
        calls = BlockingCalls()
        slow = asyncio.ensure_future(calls.run(release.wait, 5))
        await asyncio.sleep(0.01)
        on_loop = await calls.run_brief(None, lambda: threading.get_ident() == loop_thread)
        release.set()
        await slow
        return on_loop

    assert asyncio.run(main()) is False


def test_brief_calls_move_to_threads_after_a_slow_one_and_return_once_quick() -> None:
    async def main() -> list[bool]:
        loop_thread = threading.get_ident()
        calls = BlockingCalls(brief_budget=0.01)

        def call(pause: float) -> bool:
            time.sleep(pause)
            return threading.get_ident() == loop_thread

        seen = [await calls.run_brief(None, call, 0.0), await calls.run_brief(None, call, 0.2)]
        seen += [await calls.run_brief(None, call, 0.0) for _ in range(30)]
        return seen

    seen = asyncio.run(main())
    assert seen[:3] == [True, True, False]  # the slow call itself had already begun here
    assert seen[-1] is True


def test_a_brief_call_on_the_event_loop_keeps_its_context_changes_to_itself() -> None:
    async def main() -> tuple[str, str]:
        REQUEST.set("checkpoint")

        def change() -> str:
            seen = REQUEST.get()
            REQUEST.set("changed")
            return seen

        seen = await BlockingCalls().run_brief(None, change)
        return seen, REQUEST.get()

    assert asyncio.run(main()) == ("checkpoint", "checkpoint")


def test_what_a_brief_call_raises_reaches_the_caller_wherever_it_ran() -> None:
    def fail() -> None:
        raise KeyError("missing")

    async def main() -> None:
        calls = BlockingCalls(shared_window=10)
        with pytest.raises(KeyError, match="missing"):
            await calls.run_brief(1, fail)  # on the loop
        await calls.run_brief(2, fail)  # another caller at once: on a thread

    with pytest.raises(KeyError, match="missing"):
        asyncio.run(main())
