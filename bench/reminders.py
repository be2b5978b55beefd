"""Times the nightly reminder run in-process (``send_reminders``, every job), counting its SQL.

Prints one JSON line: seconds, queries, SQL seconds. Run twice by the benchmark: the first run
sends, the second finds everything already sent (the steady state of a repeated night).
"""

import json
import os
import time


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itam.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.middleware import _Counter

    counter = _Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        call_command("send_reminders", verbosity=0)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"ms": seconds * 1000, "queries": counter.queries, "sql_ms": counter.seconds * 1000}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
