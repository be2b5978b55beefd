from django.http import HttpResponse


def placeholder(request, tag):
    return HttpResponse(tag)
