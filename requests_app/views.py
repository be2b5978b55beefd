from django.http import HttpResponse


def placeholder(request, pk=None):
    return HttpResponse("requests")
