from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/<int:pk>/", lambda request, pk: HttpResponse(), name="moved")]
