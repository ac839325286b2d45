"""run_in_thread: a call on a thread of its own with the stack size a test needs (the
stack-exhaustion tests run on small stacks as well as the main thread's)."""
from __future__ import annotations

import threading


def run_in_thread(function, stack_size: int):
    """function() on a fresh thread with the given stack size: (result, exception)."""
    outcome: dict = {}

    def body():
        try:
            outcome["result"] = function()
        except BaseException as e:  # noqa: BLE001 - reported to the test
            outcome["error"] = e

    previous = threading.stack_size(stack_size)
    try:
        thread = threading.Thread(target=body)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    return outcome.get("result"), outcome.get("error")
