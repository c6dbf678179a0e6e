"""PostgreSQL: history tables and the read log are append-only.

Row triggers reject UPDATE and DELETE, a statement trigger rejects TRUNCATE (which bypasses row
triggers). The function is created by a migration; the triggers are (re)installed after every
migrate on every historical table and the read log, so a new workflow is covered without a
kernel change. Nothing happens on SQLite (the ORM refuses there: ``ChainedHistoryModel``).
In production, also run the app with the role ``db_roles`` creates: no UPDATE/DELETE/TRUNCATE.
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

ROW_TRIGGER = "history_append_only"
TRUNCATE_TRIGGER = "history_no_truncate"


def install_triggers(using="default", **kwargs):
    from .chain import audited_tables

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for table in audited_tables():
            if table not in existing:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {quoted};")
            cursor.execute(
                f"CREATE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON {quoted} "
                "FOR EACH ROW EXECUTE FUNCTION supervision_history_append_only();"
            )
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {quoted};")
            cursor.execute(
                f"CREATE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {quoted} "
                "FOR EACH STATEMENT EXECUTE FUNCTION supervision_history_append_only();"
            )
    from django.conf import settings

    app_role = getattr(settings, "DB_APP_ROLE", "")
    if app_role:  # a history table created by this migrate must not keep the default grants
        from supervision.management.commands.db_roles import revoke_on_audited_tables

        revoke_on_audited_tables(connection, app_role)
