from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.register, name="register"),
    path("export.xlsx", views.register_export, name="export"),
    path("new/", views.notice_create, name="create"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/edit/", views.notice_edit, name="edit"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
]
