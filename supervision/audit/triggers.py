"""PostgreSQL: history tables are append-only (UPDATE and DELETE rejected by triggers).

The function is created by a migration; the triggers are (re)installed after every
migrate on every historical table, so a new workflow is covered without a kernel change.
Nothing happens on SQLite. In production, also run the app with a database role that has
no UPDATE/DELETE/TRUNCATE on history tables (README).
"""
from django.db import connections

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION supervision_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history table % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS supervision_history_append_only() CASCADE;"


def install_triggers(using="default", **kwargs):
    from .chain import historical_models

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for model in historical_models():
            table = model._meta.db_table
            if table not in existing:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"DROP TRIGGER IF EXISTS history_append_only ON {quoted};")
            cursor.execute(
                f"CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {quoted} "
                "FOR EACH ROW EXECUTE FUNCTION supervision_history_append_only();"
            )
