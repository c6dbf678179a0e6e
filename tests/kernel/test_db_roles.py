"""``db_roles`` (issue 9 item 6): the application role runs the main path and cannot UPDATE,
DELETE or TRUNCATE history; ``check --deploy`` warns about a superuser connection."""
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from supervision.checks import check_database_role
from supervision.models import ReadAccess

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL roles")


def _reconnect():
    """Close the connection and, with the psycopg pool on, the pool too: its connections were
    opened with the previous role, and the next connection must use the new one."""
    connection.close()
    if connection.settings_dict.get("OPTIONS", {}).get("pool"):
        connection.close_pool()


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db
def test_print_sql_creates_two_roles_and_revokes_on_every_audited_table(capsys):
    from supervision.audit.chain import audited_tables

    call_command("db_roles", "--print-sql", "--owner", "o_role", "--app", "a_role")
    out = capsys.readouterr().out
    assert 'CREATE ROLE "o_role" LOGIN' in out and 'CREATE ROLE "a_role" LOGIN' in out
    for table in audited_tables():
        assert f'REVOKE UPDATE, DELETE, TRUNCATE ON "public"."{table}" FROM "a_role";' in out
    assert "ALTER DEFAULT PRIVILEGES" in out and 'OWNER TO "o_role"' in out


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db
def test_deploy_check_warns_when_connected_as_superuser():
    warnings = check_database_role()
    assert [w.id for w in warnings] == ["supervision.W001"]


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_app_role_runs_the_main_path_and_cannot_rewrite_history(users, townships):
    from workflows.notices.models import NoticeAssignment
    from workflows.notices.services import assignment_acknowledge, notice_create, notice_issue

    name = connection.settings_dict["NAME"]
    owner, app = f"{name}_owner", f"{name}_app"
    superuser = connection.settings_dict["USER"]
    call_command("db_roles", "--apply", "--owner", owner, "--app", app)
    try:
        _reconnect()
        connection.settings_dict["USER"] = app
        assert check_database_role() == []  # neither superuser nor owner
        notice = notice_create(actor=users["inspector"], title="整改通知", findings="发现问题", requirements="限期整改",
                               category="poverty", urgency="normal", target_townships=[townships["nanzhao"]])
        notice_issue(actor=users["inspector"], notice=notice, comment="印发")
        assignment = NoticeAssignment.objects.get(notice=notice)
        assignment_acknowledge(actor=users["township_nanzhao"], assignment=assignment)
        assert NoticeAssignment.objects.get(pk=assignment.pk).state == "acknowledged"
        table = NoticeAssignment.history.model._meta.db_table
        for sql in (f"UPDATE {table} SET history_change_reason = 'x'", f"DELETE FROM {table}", f"TRUNCATE {table}",
                    f"DELETE FROM {ReadAccess._meta.db_table}", f"DROP TRIGGER history_append_only ON {table}"):
            with pytest.raises(DatabaseError, match="permission denied|must be owner"), connection.cursor() as c:
                c.execute(sql)
    finally:
        _reconnect()
        connection.settings_dict["USER"] = superuser
        with connection.cursor() as c:
            c.execute(f'REASSIGN OWNED BY "{owner}" TO "{superuser}"')
            for role in (app, owner):
                c.execute(f'DROP OWNED BY "{role}"')
                c.execute(f'DROP ROLE "{role}"')
    from supervision.audit.chain import verify

    assert verify().ok
