"""Bulk SQL for the import: multi-row INSERT with RETURNING, executemany UPDATE, and the
COPY helpers of PostgreSQL, each bypassing the per-value cost of Django's compiler."""

import operator
from contextlib import ExitStack

from django.db import connection

from catalogue.models import Project

BATCH_SIZE = 500
BOOKKEEPING = ["lock_version", "updated_at", "last_edited_by", "search_text"]


def _update_rows(projects, names):
    """UPDATE … WHERE id = … for each project, as one executemany.

    ``bulk_update`` builds one CASE WHEN per field over the whole batch, which grows with
    the square of the batch; a prepared statement run once per row does not.
    """
    fields = [Project._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    # Names come from the model and are quoted; values are parameters.
    sql = f"UPDATE {quote(Project._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # nosec B608
    params = [
        [f.get_db_prep_save(getattr(project, f.attname), connection) for f in fields] + [project.pk]
        for project in projects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


def _open_copy(stack: ExitStack, table: str, fields, *, quoted: bool = True):
    """A ``COPY table (columns) FROM STDIN`` on the import's connection; it ends (and its
    errors surface, as Django's) when ``stack`` closes."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    name = quote(table) if quoted else table
    stack.enter_context(connection.wrap_database_errors)
    cursor = stack.enter_context(connection.cursor()).cursor
    return stack.enter_context(cursor.copy(f"COPY {name} ({columns}) FROM STDIN"))


def _copy_objects(model, objects):
    """Insert model instances with COPY (their primary keys, when set, are kept)."""
    if not objects:
        return
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and objects[0].pk is None)
    ]
    values = _values_getter(fields, objects[0])
    with ExitStack() as stack:
        copy = _open_copy(stack, model._meta.db_table, fields)
        for obj in objects:
            copy.write_row(values(obj))


def _values_getter(fields, sample):
    """A function giving an object's database values for ``fields``.

    Django's ``get_db_prep_save`` for each field and row costs as much as the database's
    work on the row. It often returns the value as it is (text, numbers, booleans, ids),
    or on PostgreSQL wrapped in a subclass that only tells psycopg the parameter's type
    (``Int2(15)`` for 15), which a text COPY does not need; dates become text on SQLite.
    So the values are read with a C ``attrgetter``, and ``get_db_prep_save`` runs only for
    the fields where it changes ``sample``'s value or where that value is empty (another
    row's may not be).
    """
    names = [f.attname for f in fields]
    getter = (
        operator.attrgetter(*names) if len(names) > 1 else lambda obj: (getattr(obj, names[0]),)
    )
    prepared = []
    for index, (f, value) in enumerate(zip(fields, getter(sample), strict=True)):
        ready = f.get_db_prep_save(value, connection)
        if value is None or not (isinstance(ready, type(value)) and ready == value):
            prepared.append((index, f.get_db_prep_save))
    if not prepared:
        return getter

    def values(obj):
        row = list(getter(obj))
        for index, prepare in prepared:
            row[index] = prepare(row[index], connection)
        return row

    return values


def _insert(model, objects):
    """Insert model instances and give them their new ids: ``bulk_create`` without the
    cost of compiling every value through Django's SQL compiler (several times the
    database's own work for 10,000 wide rows). Instances with an id keep it."""
    if not objects:
        return
    ops = connection.ops
    pk = model._meta.pk
    has_ids = objects[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if has_ids or not f.primary_key]
    values = _values_getter(fields, objects[0])
    returning = not has_ids and connection.features.can_return_rows_from_bulk_insert
    if not has_ids and not returning:
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    limit = connection.features.max_query_params or 65_535
    batch_size = max(1, min(BATCH_SIZE * 4, limit // len(fields)))
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    # Names come from the model and are quoted; every value is a parameter.
    start_sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES "  # nosec B608
    end_sql = f" RETURNING {ops.quote_name(pk.column)}" if returning else ""
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            params = [value for obj in batch for value in values(obj)]
            cursor.execute(start_sql + ", ".join([row_sql] * len(batch)) + end_sql, params)
            if returning:
                # The rows get increasing ids in the order of VALUES; sorted, the returned
                # ids match them whatever order RETURNING gives them in.
                for obj, (new_id,) in zip(batch, sorted(cursor.fetchall()), strict=True):
                    obj.pk = new_id
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


def _next_ids(model, count: int) -> list[int]:
    """``count`` new primary keys from the model's sequence."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]
