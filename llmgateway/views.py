"""`/`: a small landing page linking the API docs, the admin and the health check."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def landing_view(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")
