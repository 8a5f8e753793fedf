"""Background work of the register: processing an uploaded import file (queue "imports")."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from cunshe.accounts.models import RoleAssignment
from cunshe.residents import importing
from cunshe.residents.models import ImportJob

logger = logging.getLogger(__name__)
# Problems kept on the job for the page; the rejected-rows file always has every one.
PROBLEMS_SHOWN = 2000


class _ProgressWriter:
    """Writes the job's progress where the job page can see it while the import's own
    transaction is still open: on PostgreSQL through a second connection, which commits at
    once; elsewhere (SQLite, one writer) on the same connection."""

    def __init__(self, job_pk: int) -> None:
        self.job_pk = job_pk
        self.side: Any = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection("default")

    def __call__(self, processed: int) -> None:
        if self.side is None:
            ImportJob._base_manager.filter(pk=self.job_pk).update(processed=processed)
            return
        with self.side.cursor() as cur:
            cur.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed = %s WHERE id = %s",  # noqa: S608
                [processed, self.job_pk],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.error = message[:300]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])


def run_job(job_pk: int) -> str:
    """Validate (and, unless a dry run, write) one uploaded file; record the outcome on the job."""
    job = ImportJob._base_manager.select_related("created_by").get(pk=job_pk)
    if job.status != ImportJob.Status.PENDING:
        return job.status
    assignment = (
        RoleAssignment.objects.active()
        .filter(pk=job.assignment_id, user_id=job.created_by_id)
        .first()
    )
    if assignment is None:
        _fail(job, _("上传者的角色已失效，导入未执行。"))
        return job.status
    jurisdiction = assignment.jurisdiction()
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    progress = _ProgressWriter(job.pk)
    try:
        with job.file.open("rb") as f:
            table = importing.read_upload(job.filename, f.read())
        job.total = len(table.rows)
        job.save(update_fields=["total"])
        actor = job.created_by
        if job.mode == importing.Mode.DRY_RUN:
            plan = importing.dry_run(
                actor=actor, jurisdiction=jurisdiction, table=table, filename=job.filename
            )
            result = importing.Result(rejected_rows=len(plan.rejected_rows()))
        else:
            plan, result = importing.commit(
                actor=actor,
                jurisdiction=jurisdiction,
                table=table,
                mode=job.mode,
                filename=job.filename,
                progress=progress,
            )
    except importing.ImportFileError as exc:
        _fail(job, str(exc))
        return job.status
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _fail(job, _("导入时发生内部错误，没有写入任何数据。请联系系统管理员。"))
        return job.status
    finally:
        progress.close()
    job.processed = job.total
    job.rejected = result.rejected_rows
    job.ok_rows = 0 if job.mode == importing.Mode.DRY_RUN else job.total - result.rejected_rows
    job.result = {
        "counts": result.as_dict(),
        "bad_rows": len(plan.bad_rows),
        "problems": [[p.row, p.column, p.reason] for p in plan.problems[:PROBLEMS_SHOWN]],
        "problem_total": len(plan.problems),
    }
    if plan.problems:
        job.report.save(
            f"rejected-{job.pk}.xlsx", ContentFile(importing.rejected_rows_xlsx(plan)), save=False
        )
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save()
    return job.status


@task(queue_name="imports")
def process_import(job_pk: int) -> str:
    """The background form of `run_job`, for files over `importing.BACKGROUND_ROWS` rows."""
    return run_job(job_pk)
