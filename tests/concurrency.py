"""Calls made at the same moment, as concurrent requests arrive."""

import threading

from django.db import connection


def run_at_once(*calls):
    """Each call's result, or the exception it raised, in the calls' order.

    On PostgreSQL each call runs in its own thread (its own connection,
    closed when done), all released together by a barrier. SQLite lets one
    connection write at a time, so there the calls run one after the other.
    """
    results = [None] * len(calls)
    concurrent = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(calls))

    def run(i):
        try:
            if concurrent:
                barrier.wait(timeout=10)
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - the call's outcome, asserted by the test
            results[i] = exc
        finally:
            if concurrent:
                connection.close()

    if concurrent:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        stuck = sum(thread.is_alive() for thread in threads)
        assert not stuck, f"{stuck} of {len(calls)} calls still running after 60 s (a lock never released?)"
    else:
        for i in range(len(calls)):
            run(i)
    return results
