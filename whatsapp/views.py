from django.http import HttpResponse


def webhook(request):  # replaced by the whatsapp package work
    return HttpResponse(status=503)
