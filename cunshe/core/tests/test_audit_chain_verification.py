"""The audit trail is append-only and hash-chained; `audit_verify` finds any tampering."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from cunshe.core.audit import GENESIS, audit, verify_chain
from cunshe.core.models import AppendOnlyError, AuditEvent
from cunshe.core.tests.conftest import event_in, requires_postgres

pytestmark = pytest.mark.django_db


def _three() -> list[AuditEvent]:
    return [event_in("220182102200", f"test.thing.step{i}") for i in range(3)]


def test_clean_chain_verifies_and_command_prints_the_count():
    events = _three()
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"{AuditEvent.objects.count()} checked" in out.getvalue()
    assert verify_chain().ok


def test_altered_field_is_detected_at_that_event(raw_tamper):
    _first, second, _third = _three()
    raw_tamper(
        "UPDATE core_auditevent SET actor_username = %s WHERE id = %s", ["mallory", second.id]
    )
    result = verify_chain()
    assert not result.ok
    assert result.broken_at == second.id
    assert "altered" in result.reason


def test_command_exits_1_naming_the_first_broken_event(raw_tamper):
    _first, second, _third = _three()
    raw_tamper("UPDATE core_auditevent SET outcome = %s WHERE id = %s", ["failure", second.id])
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert exc.value.code == 1
    assert f"event id {second.id}" in err.getvalue()
    assert "altered" in err.getvalue()


def test_deleted_middle_event_breaks_the_next_link(raw_tamper):
    _first, second, third = _three()
    raw_tamper("DELETE FROM core_auditevent WHERE id = %s", [second.id])
    result = verify_chain(batch_size=1)  # across batch boundaries too
    assert result.broken_at == third.id
    assert "removed" in result.reason


def test_rehashed_forgery_is_caught_at_the_following_event(raw_tamper):
    # A forger who also recomputes the altered row's own hash still breaks the next link.
    from cunshe.core.audit import compute_hash

    _first, second, third = _three()
    forged = AuditEvent.objects.get(pk=second.pk)
    forged.action = "test.thing.innocent"
    new_hash = compute_hash(forged.prev_hash, forged)
    raw_tamper(
        "UPDATE core_auditevent SET action = %s, hash = %s WHERE id = %s",
        [forged.action, new_hash, second.id],
    )
    assert verify_chain().broken_at == third.id


def test_database_trigger_refuses_raw_update_and_delete():
    event = event_in("220182102200")
    for sql in (
        "UPDATE core_auditevent SET action = 'x.y.z' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, [event.id])
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


def test_orm_refuses_to_change_or_remove_events():
    event = event_in("220182102200")
    event.action = "test.thing.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.thing.changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing.done"


def test_personal_data_keys_are_refused_in_detail():
    with pytest.raises(ValueError):
        audit("test.thing.done", detail={"phone": "13812345678"})


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    per_thread = 25
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                audit(f"test.concurrent.{name}", detail={"i": i})
        except BaseException as exc:  # surfaced to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = verify_chain()
    assert result.ok, result.reason
    assert (
        AuditEvent.objects.filter(action__startswith="test.concurrent.").count() == 2 * per_thread
    )
    # No two events claim the same predecessor: the chain did not fork.
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))


def test_recorded_head_detects_events_cut_from_the_end(raw_tamper):
    _first, _second, third = _three()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    head = out.getvalue().split("head: ", 1)[1].strip()
    assert head == f"{third.id}:{third.hash}"
    call_command("audit_verify", "--expect-head", head, stdout=StringIO())
    raw_tamper("DELETE FROM core_auditevent WHERE id = %s", [third.id])
    assert verify_chain().ok  # the shorter chain is valid on its own …
    err = StringIO()
    with pytest.raises(SystemExit) as exc:  # … but not against the recorded head
        call_command("audit_verify", "--expect-head", head, stdout=StringIO(), stderr=err)
    assert exc.value.code == 1
    assert f"id {third.id}" in err.getvalue()


def test_role_label_filter_names_roles_and_passes_others_through():
    from cunshe.core.templatetags.core_tags import role_label

    assert role_label("audit_admin") == "审计管理员"
    assert role_label("system") == "system"
    assert role_label("") == ""
