"""The audit log: ``log_action`` appends; nothing rewrites or erases an entry."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction

from laureat.core.audit import log_action
from laureat.core.models import AuditLog
from laureat.programmes.models import Programme
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AuditLog:
    return log_action(
        actor=UserFactory(), action="programme.create", obj=ProgrammeFactory(), data={"n": 1}
    )


def test_log_action_writes_actor_action_object_and_data() -> None:
    actor = UserFactory()
    programme = ProgrammeFactory(name="Territoires d'industrie")

    written = log_action(
        actor=actor,
        action="programme.create",
        obj=programme,
        data={"slug": programme.slug, "budget": Decimal("1500.50")},
    )

    entry = AuditLog.objects.get()
    assert entry.pk == written.pk
    assert entry.actor == actor
    assert entry.action == "programme.create"
    assert entry.content_type == ContentType.objects.get_for_model(Programme)
    assert entry.object_id == str(programme.pk)
    assert entry.object_repr == "Territoires d'industrie"
    # Decimals are stored as strings, exactly (DjangoJSONEncoder), never as floats.
    assert entry.data == {"slug": programme.slug, "budget": "1500.50"}
    assert entry.created_at is not None


def test_log_action_without_data_stores_empty_dict() -> None:
    entry = log_action(actor=None, action="programme.create", obj=ProgrammeFactory())

    assert AuditLog.objects.get(pk=entry.pk).data == {}


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["system", "anonymous"])
def test_log_action_without_authenticated_actor_records_no_actor(actor: object) -> None:
    entry = log_action(actor=actor, action="call.close", obj=ProgrammeFactory())  # type: ignore[arg-type]

    assert AuditLog.objects.get(pk=entry.pk).actor is None


def test_log_action_object_repr_truncated_to_300_characters() -> None:
    programme = ProgrammeFactory(name="x" * 200)
    programme.name = "y" * 400  # __str__ longer than the column; not saved
    entry = log_action(actor=None, action="programme.rename", obj=programme)

    assert AuditLog.objects.get(pk=entry.pk).object_repr == "y" * 300


def test_audit_log_for_object_lists_entries_of_that_object_only() -> None:
    first, second = ProgrammeFactory(), ProgrammeFactory()
    a = log_action(actor=None, action="programme.create", obj=first)
    log_action(actor=None, action="programme.create", obj=second)
    b = log_action(actor=None, action="programme.update", obj=first)

    assert sorted(AuditLog.objects.for_object(first).values_list("pk", flat=True)) == [a.pk, b.pk]


def test_audit_entry_save_again_refused(entry: AuditLog) -> None:
    entry.action = "rewritten"

    with pytest.raises(PermissionError):
        entry.save()

    assert AuditLog.objects.get(pk=entry.pk).action == "programme.create"


def test_audit_entry_delete_refused(entry: AuditLog) -> None:
    with pytest.raises(PermissionError):
        entry.delete()

    assert AuditLog.objects.filter(pk=entry.pk).count() == 1


def test_audit_queryset_update_refused(entry: AuditLog) -> None:
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(action="rewritten")

    assert AuditLog.objects.get(pk=entry.pk).action == "programme.create"


def test_audit_queryset_bulk_update_refused(entry: AuditLog) -> None:
    entry.action = "rewritten"

    # bulk_update runs in the caller's transaction: the savepoint keeps the test's usable.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditLog.objects.bulk_update([entry], ["action"])

    assert AuditLog.objects.get(pk=entry.pk).action == "programme.create"


def test_audit_queryset_delete_refused(entry: AuditLog) -> None:
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()

    assert AuditLog.objects.count() == 1


def test_audit_raw_sql_update_refused_by_database_trigger(entry: AuditLog) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditlog SET action = %s WHERE id = %s", ["rewritten", entry.pk]
        )

    assert AuditLog.objects.get(pk=entry.pk).action == "programme.create"


def test_audit_raw_sql_delete_refused_by_database_trigger_on_postgresql(entry: AuditLog) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps raw DELETE possible for the test suite's table flush")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])

    assert AuditLog.objects.filter(pk=entry.pk).count() == 1
