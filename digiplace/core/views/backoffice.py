# TEMPORARY STUB - to be replaced by the back-office implementation.
from django.http import HttpResponse


def dashboard(request):
    return HttpResponse("stub")
