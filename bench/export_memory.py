"""Memory of the streamed public exports: does a 10× larger catalogue need more memory?

Each export of the whole public catalogue is read in a fresh Python process (so that its
peak resident memory, ``ru_maxrss``, is its own), through Django's test client on the
databases ``make bench`` builds (``smartcities_bench_10k`` and ``smartcities_bench_100k``;
run ``make bench`` once first). Printed per export and database: the bytes sent, the
seconds it took and the process's peak memory. Streaming holds when the peak stays
about the same while the file grows tenfold.

    .venv/bin/python bench/export_memory.py            # both databases
    BENCH_DATABASES=10k .venv/bin/python bench/export_memory.py
"""

import json
import os
import subprocess  # nosec B404: runs this same script with fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = [
    "/fr/catalogue/export.csv",
    "/api/oc4ids/projects.json",
]


def measure(path: str) -> dict:
    """In this process: stream ``path`` to the end, return its size, time and peak memory."""
    import resource
    import time

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcities.settings")
    django.setup()
    from django.test import Client

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = Client().get(path)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "status": response.status_code,
        "bytes": size,
        "seconds": seconds,
        "peak_mb": peak / 1024,
        "growth_mb": (peak - before) / 1024,
    }


def main():
    if len(sys.argv) == 2:  # the child: one export
        print(json.dumps(measure(sys.argv[1])))
        return
    databases = os.environ.get("BENCH_DATABASES", "10k,100k").split(",")
    print(
        f"{'export':42} {'database':>8} {'MB sent':>9} {'seconds':>8} {'peak MB':>8} {'growth':>7}"
    )
    for path in EXPORTS:
        for name in databases:
            env = {
                **os.environ,
                "DATABASE_URL": f"postgres://postgres:postgres@127.0.0.1:5432/smartcities_bench_{name}",
                "ALLOWED_HOSTS": "testserver",
                "LOG_LEVEL": "WARNING",
            }
            env.pop("REDIS_URL", None)
            done = subprocess.run(  # nosec B603: this script, a fixed path, no shell
                [sys.executable, __file__, path],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            assert result["status"] == 200, (path, name, result)
            print(
                f"{path:42} {name:>8} {result['bytes'] / 1e6:9.1f} {result['seconds']:8.1f} "
                f"{result['peak_mb']:8.0f} {result['growth_mb']:+7.0f}"
            )


if __name__ == "__main__":
    main()
