"""Records every POST/PUT/PATCH/DELETE, through the pages or the API, with the status it got."""

from __future__ import annotations

import logging

from audit.services import AUDITED_METHODS, audit_already_recorded, audit_request_record
from core.client_ip import client_ip

logger = logging.getLogger("audit")


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in AUDITED_METHODS and not audit_already_recorded(request, response.status_code):
            try:
                audit_request_record(request=request, status_code=response.status_code, client_ip=client_ip(request))
            except Exception:
                # The audit never breaks a request; the log line keeps what could not be stored.
                logger.exception(
                    "audit entry not stored: %s %s -> %s", request.method, request.path, response.status_code
                )
        return response
