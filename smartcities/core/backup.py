"""Consistent backups of the database and the uploaded files, and their restoration.

A backup is a folder ``backup-<UTC timestamp>/`` holding:

- the database: ``database.sqlite3`` (SQLite's online backup API, consistent while the
  portal runs) or ``database.dump`` (``pg_dump --format=custom``, one snapshot);
- ``media.tar.gz``: the uploaded files served to the public (photos, logos), without
  ``pdf-cache/``, which is derived and rebuilt on demand;
- ``documents.tar.gz``: the project documents, kept out of the public media in the
  ``PRIVATE_MEDIA_ROOT`` folder (``smartcities.core.storage``);
- ``manifest.json``: when, which engine, the row count of every table and the SHA-256 of
  every media file and document, so that a restore can be checked.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.dispatch import Signal

from smartcities.core.storage import PENDING_IMPORTS, private_media_root

# Sent after a restore replaced the database and the files (kwargs: manifest).
restored = Signal()

DERIVED_MEDIA = ("pdf-cache",)
TRANSIENT_DOCUMENTS = (PENDING_IMPORTS,)  # spreadsheets awaiting confirmation
MEDIA_ARCHIVE = "media.tar.gz"
DOCUMENTS_ARCHIVE = "documents.tar.gz"


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_environment() -> tuple[list[str], dict]:
    """Connection arguments for pg_dump/pg_restore, and the password in the environment."""
    db = connection.settings_dict
    arguments = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        arguments += ["--host", db["HOST"]]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", db["USER"]]
    environment = {**os.environ}
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return arguments, environment


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's models (history tables included)."""
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in counts or model._meta.proxy or not model._meta.managed:
                continue
            table_name = connection.ops.quote_name(table)  # from the models, quoted
            cursor.execute(f"SELECT COUNT(*) FROM {table_name}")  # noqa: S608  # nosec B608
            counts[table] = cursor.fetchone()[0]
    return counts


def _documents_root() -> Path | None:
    """The documents' folder, or None when they are in another storage (a bucket)."""
    root = private_media_root()
    return Path(root) if root else None


def _checksums(root: Path | None, skip=()) -> dict[str, str]:
    """SHA-256 of every file under ``root``, by relative path, but for the ``skip`` folders."""
    sums = {}
    if root is None or not root.exists():
        return sums
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] not in skip:
            sums[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def media_checksums() -> dict[str, str]:
    """SHA-256 of every uploaded public file, by path relative to MEDIA_ROOT."""
    return _checksums(Path(settings.MEDIA_ROOT), DERIVED_MEDIA)


def document_checksums() -> dict[str, str]:
    """SHA-256 of every project document, by path relative to PRIVATE_MEDIA_ROOT."""
    return _checksums(_documents_root(), TRANSIENT_DOCUMENTS)


def _archive(root: Path | None, target: Path, skip=()) -> None:
    """Write the content of ``root`` (but the ``skip`` folders) to a .tar.gz file."""
    with tarfile.open(target, "w:gz") as archive:
        if root is not None and root.exists():
            for path in sorted(root.iterdir()):
                if path.name not in skip:
                    archive.add(path, arcname=path.name)


def _replace_folder(root: Path, archive_file: Path | None) -> None:
    """Empty ``root``, then unpack ``archive_file`` (if any) into it."""
    root.mkdir(parents=True, exist_ok=True)
    for path in root.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    if archive_file is not None:
        with tarfile.open(archive_file, "r:gz") as archive:
            archive.extractall(root, filter="data")


def backup(destination: Path) -> Path:
    """Write a backup folder under ``destination`` and return its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(destination) / f"backup-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    if _is_sqlite():
        connection.ensure_connection()
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
        database_file = "database.sqlite3"
    else:
        arguments, environment = _pg_environment()
        subprocess.run(  # noqa: S603 -- fixed program, arguments from settings
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / "database.dump")]
            + arguments,
            env=environment,
            check=True,
            capture_output=True,
        )
        database_file = "database.dump"
    _archive(Path(settings.MEDIA_ROOT), folder / MEDIA_ARCHIVE, DERIVED_MEDIA)
    _archive(_documents_root(), folder / DOCUMENTS_ARCHIVE, TRANSIENT_DOCUMENTS)
    manifest = {
        "created": datetime.now(UTC).isoformat(),
        "engine": connection.vendor,
        "database_file": database_file,
        "tables": table_counts(),
        "media": media_checksums(),
        "documents": document_checksums(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder


def restore(folder: Path) -> dict:
    """Bring the database and the uploaded files back from a backup folder.

    Returns the backup's manifest. Everything currently in the database, in MEDIA_ROOT
    and in the documents' folder (PRIVATE_MEDIA_ROOT) is replaced, and the cached public
    pages are dropped.
    """
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest["engine"] != connection.vendor:
        raise ValueError(
            f"This backup is of a {manifest['engine']} database; the portal uses "
            f"{connection.vendor}."
        )
    if _is_sqlite():
        connection.ensure_connection()
        source = sqlite3.connect(folder / manifest["database_file"])
        with source:
            source.backup(connection.connection)
        source.close()
    else:
        arguments, environment = _pg_environment()
        connection.close()
        subprocess.run(  # noqa: S603 -- fixed program, arguments from settings
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
            + arguments
            + [str(folder / manifest["database_file"])],
            env=environment,
            check=True,
            capture_output=True,
        )
    _replace_folder(Path(settings.MEDIA_ROOT), folder / MEDIA_ARCHIVE)
    documents_root = _documents_root()
    if documents_root is not None:
        # A backup made before documents left MEDIA_ROOT has none of its own: they are
        # in its media, and `manage.py migrate` moves them here.
        documents = folder / DOCUMENTS_ARCHIVE
        _replace_folder(documents_root, documents if documents.exists() else None)
    # Whatever caches what the data showed drops it: the catalogue listens (raises its
    # version, so that every process of every server forgets cached pages and counts).
    restored.send(sender=restore, manifest=manifest)
    return manifest
