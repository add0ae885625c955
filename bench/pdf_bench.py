"""PDF benchmark: cold sheet (median of 10, warm worker), cached download, 50-project dossier.

    python bench/pdf_bench.py            # SQLite scratch database in var/bench/
    DATABASE_URL=postgres://... python bench/pdf_bench.py

Prints a table. Targets (issue 5): cached sheet ≤ 20 ms server time; cold sheet ≤ 300 ms;
50-project dossier ≤ 4 s and ≤ 250 MB peak memory (of the rendering process).
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcities.settings")
scratch = Path(tempfile.mkdtemp(prefix="pdf-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
os.environ["MEDIA_ROOT"] = str(scratch / "media")
os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import translation  # noqa: E402

from catalogue import pdf  # noqa: E402
from catalogue.models import Project  # noqa: E402
from catalogue.pdf_renderer import pool  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    if Project.objects.filter(is_demo=True).count() < 300:
        call_command("seed_demo", projects=300, seed=7, verbosity=0)
    client = Client()
    project = Project.objects.public().filter(is_demo=True).order_by("pk").first()
    url = f"/fr/catalogue/{project.reference}/sheet.pdf"
    translation.activate("fr")

    # Warm the rendering process (fonts, WeasyPrint imports) once.
    client.get(url)
    cold = []
    for _ in range(10):
        for name in default_storage.listdir("pdf-cache/sheets")[1]:
            default_storage.delete(f"pdf-cache/sheets/{name}")
        started = time.perf_counter()
        response = client.get(url)
        b"".join(response.streaming_content)
        cold.append(time.perf_counter() - started)
    cached = []
    for _ in range(50):
        started = time.perf_counter()
        response = client.get(url)
        b"".join(response.streaming_content)
        cached.append(time.perf_counter() - started)

    # A 50-project dossier: a municipality-independent selection of 50 public projects.
    ids = list(Project.objects.public().order_by("pk").values_list("pk", flat=True)[:50])
    projects = list(pdf.sheets_queryset().filter(pk__in=ids).order_by("pk"))
    dossier = pdf.dossier_for(
        projects, title="Banc d'essai", criteria=["50 projets"], site_url="http://testserver"
    )
    started = time.perf_counter()
    rendered = pdf.render_dossier(dossier)
    dossier_seconds = time.perf_counter() - started
    size = default_storage.size(rendered.name)
    peaks = [peak_rss_mb(pid) for pid in pool._executor._processes]
    peak = max(peaks)

    rows = [
        (
            "cold sheet, median of 10 (warm worker)",
            f"{statistics.median(cold) * 1000:.0f} ms",
            "≤ 300 ms",
        ),
        (
            "cached sheet download, median of 50",
            f"{statistics.median(cached) * 1000:.1f} ms",
            "≤ 20 ms",
        ),
        ("50-project dossier", f"{dossier_seconds:.2f} s ({size / 1e6:.1f} MB)", "≤ 4 s"),
        (
            f"peak memory per rendering process ({len(peaks)} processes, VmHWM)",
            f"{peak:.0f} MB",
            "≤ 250 MB",
        ),
    ]
    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':>18}  target")
    for label, value, target in rows:
        print(f"{label:<{width}}  {value:>18}  {target}")


if __name__ == "__main__":
    main()
