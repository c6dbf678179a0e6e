"""PostgreSQL: make history tables append-only (no-op on SQLite).

Creates the trigger function and the triggers on the kernel's history tables. Workflow
history tables get theirs from the post_migrate hook (supervision.audit.triggers), so a
new workflow is covered without a kernel migration.
"""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from supervision.audit.triggers import install_triggers

    install_triggers(using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from supervision.audit.triggers import DROP_FUNCTION_SQL

    schema_editor.execute(DROP_FUNCTION_SQL)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
