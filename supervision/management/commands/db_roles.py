"""PostgreSQL roles for production (DESIGN §6): an owner role that runs ``migrate`` and owns the
tables, and an application role that serves requests with no UPDATE, DELETE or TRUNCATE on the
history tables and the read log (and no right to drop their triggers, which only an owner or a
superuser has)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from supervision.audit.chain import audited_tables


def _q(connection, name: str) -> str:
    return connection.ops.quote_name(name)


def role_sql(connection, *, owner: str, app: str, app_password: str = "", owner_password: str = "") -> list[str]:
    """The statements, for the database ``connection`` points at (run them as a superuser)."""
    q = lambda n: _q(connection, n)  # noqa: E731
    database = connection.settings_dict["NAME"]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]

    def create(role, password):
        pw = f" PASSWORD '{password.replace(chr(39), chr(39) * 2)}'" if password else ""
        return (f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
                f"CREATE ROLE {q(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE{pw}; END IF; END $$;")

    sql = [
        "-- the owner: runs `migrate`, owns every table (and so their triggers)",
        create(owner, owner_password),
        "-- the application: serves requests; history and read log are INSERT/SELECT only",
        create(app, app_password),
        f"GRANT CONNECT ON DATABASE {q(database)} TO {q(owner)}, {q(app)};",
        f"GRANT USAGE, CREATE ON SCHEMA {q(schema)} TO {q(owner)};",
        f"GRANT USAGE ON SCHEMA {q(schema)} TO {q(app)};",
    ]
    # Sequences of identity columns follow their table's owner.
    sql += [f"ALTER TABLE {q(schema)}.{q(t)} OWNER TO {q(owner)};" for t in sorted(existing)]
    sql += [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {q(schema)} TO {q(app)};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q(schema)} TO {q(app)};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {q(schema)} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {q(app)};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {q(owner)} IN SCHEMA {q(schema)} "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {q(app)};",
    ]
    sql += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {q(schema)}.{q(t)} FROM {q(app)};"
            for t in audited_tables() if t in existing]
    return sql


def revoke_on_audited_tables(connection, app: str) -> None:
    """After a migrate as the owner: a new history table must not keep the default grants."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app])
        if cursor.fetchone() is None:
            return
        for table in audited_tables():
            if table in existing:
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_q(connection, table)} FROM {_q(connection, app)}")


class Command(BaseCommand):
    help = ("Print (--print-sql) or run (--apply, as a PostgreSQL superuser) the SQL that creates the owner "
            "role (migrate) and the application role (serve): the latter cannot UPDATE, DELETE or TRUNCATE "
            "history tables or the read log.")

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--print-sql", action="store_true")
        group.add_argument("--apply", action="store_true")
        parser.add_argument("--owner", default=getattr(settings, "DB_OWNER_ROLE", "") or "weishan_owner")
        parser.add_argument("--app", default=getattr(settings, "DB_APP_ROLE", "") or "weishan_app")
        parser.add_argument("--app-password", default="", help="set the application role's password")
        parser.add_argument("--owner-password", default="", help="set the owner role's password")
        parser.add_argument("--database", default="default")

    def handle(self, *args, print_sql=False, apply=False, owner, app, app_password, owner_password, database,
               **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL (SQLite has no roles).")
        if owner == app:
            raise CommandError("the owner and the application role must differ")
        sql = role_sql(connection, owner=owner, app=app, app_password=app_password, owner_password=owner_password)
        if print_sql:
            self.stdout.write("\n".join(sql))
            return
        with connection.cursor() as cursor:
            for statement in sql:
                if not statement.startswith("--"):
                    cursor.execute(statement)
        self.stdout.write(f"roles {owner} (migrate) and {app} (serve) ready on {connection.settings_dict['NAME']}")
