"""QR codes and tag sheets. (Stub: in progress.)"""

from django.http import HttpResponse
from django.views import View


class TagSheetView(View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("Not yet", status=501)


def tag_sheet_print(request):
    return HttpResponse("Not yet", status=501)


tag_sheet_pdf = tag_sheet_print


def asset_qr(request, tag, fmt):
    return HttpResponse("Not yet", status=501)
