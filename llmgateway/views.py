"""`/`: a small landing page linking the API docs, the admin and the health check."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def landing_view(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")
