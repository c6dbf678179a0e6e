"""Deploy checks (``manage.py check --deploy``): the application must not connect to PostgreSQL as
a superuser or as the owner of the history tables, or the append-only promise is only a trigger
that its own connection may drop (DESIGN §6). ``manage.py db_roles`` creates the right roles."""
from django.core.checks import Warning, register
from django.db import DatabaseError, connections


@register("supervision", deploy=True)
def check_database_role(app_configs=None, **kwargs):
    from supervision.audit.chain import audited_tables

    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            superuser = bool(row and row[0])
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s) "
                "AND tableowner = current_user", [audited_tables()])
            owned = cursor.fetchone()[0]
    except DatabaseError:
        return []  # no database to ask (yet): nothing to say
    finally:
        connection.close()
    problems = []
    if superuser:
        problems.append(Warning(
            "The application connects to PostgreSQL as a superuser: it could disable the append-only "
            "triggers of the history tables.",
            hint="Serve with the application role from `python manage.py db_roles --print-sql` "
                 "(migrate as the owner role).",
            id="supervision.W001"))
    elif owned:
        problems.append(Warning(
            f"The application connects as the owner of {owned} history/read-log tables: it could drop "
            "their triggers or TRUNCATE them.",
            hint="Serve with the application role from `python manage.py db_roles --print-sql`.",
            id="supervision.W002"))
    return problems
