"""Pluggable SMS gateways, chosen by `settings.SMS_BACKEND` (a dotted class path).

A province contracts one SMS provider; its adapter subclasses `BaseSmsBackend` and is named in
CUNSHE_SMS_BACKEND. The default sends nothing: villages and test machines have no gateway, and
a message silently "sent" to a real phone from a demo would be worse than none.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils.module_loading import import_string

from cunshe.core.masking import mask_phone

logger = logging.getLogger(__name__)


class SmsError(RuntimeError):
    """The gateway refused or could not be reached; the outbox keeps the message for retry."""


class BaseSmsBackend:
    """Send one text to one phone number; return the gateway's reference for the message."""

    def send(self, phone: str, text: str) -> str:
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    """Records the message as sent with a fake reference and logs it (masked). Sends nothing."""

    def send(self, phone: str, text: str) -> str:
        reference = f"outbox-{uuid.uuid4().hex[:16]}"
        logger.info("sms (not sent, outbox backend) to %s ref %s", mask_phone(phone), reference)
        return reference


class FailingSmsBackend(BaseSmsBackend):
    """Always fails, as an unreachable gateway would: for tests of the retry path."""

    def send(self, phone: str, text: str) -> str:
        raise SmsError("gateway unavailable (FailingSmsBackend)")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
