"""Form plumbing shared by every app's pages."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.utils.translation import gettext as _

_PERMISSION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


def call_into_form(
    form: Form,
    service: Any,
    /,
    *,
    refusals: dict[type[Exception], str] | None = None,
    **kwargs: Any,
) -> Any:
    """Run a write service and return its result; when it refuses, put the reason on the form
    (field errors where the service named a field) and return None — nothing was changed.

    `refusals` maps further exception types (e.g. a stale-edit conflict) to the message shown.
    """
    try:
        return service(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    except PermissionDenied as exc:
        message = str(exc)
        # A bare permission name ("residents.edit") is no message for a person.
        if not message or _PERMISSION_NAME.match(message):
            message = _("没有权限。")
        form.add_error(None, message)
    except tuple(refusals or ()) as exc:
        form.add_error(None, (refusals or {})[type(exc)])
    return None
