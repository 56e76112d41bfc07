"""Make the audit log append-only in the database itself."""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
    BEGIN SELECT RAISE(ABORT, 'core_auditlog is append-only'); END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS core_auditlog_no_update;"]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'core_auditlog is append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER core_auditlog_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_update_delete ON core_auditlog;",
    "DROP FUNCTION IF EXISTS core_auditlog_append_only();",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
