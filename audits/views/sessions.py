"""Audit sessions: list, start, scan, close, reconcile, apply outcomes, export (stub)."""

from django.http import HttpResponse
from django.views import View


class _Stub(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("Not yet", status=501)


AuditListView = AuditCreateView = OverdueView = AuditDetailView = ScanView = _Stub


def close_view(request, pk):
    return HttpResponse("Not yet", status=501)


apply_view = report_csv = report_pdf = close_view
