from django.urls import path

from . import api, views

app_name = "targets"

urlpatterns = [
    path("", views.index, name="index"),
    path("board/", views.board, name="board"),
    path("board/export.xlsx", views.board_export, name="board-export"),
    path("board/data/", api.board, name="board-data"),
    path("board/village/<int:pk>/", views.board_village, name="village"),
    path("board/notice/", views.notice_draft, name="notice-draft"),
    path("trainings/<int:pk>/attendance/", views.attendance_add, name="attendance-add"),
    path("trainings/<int:pk>/attendance/import/", views.attendance_import, name="attendance-import"),
    path("trainings/attendance-template.xlsx", views.attendance_template, name="attendance-template"),
    path("r/<slug:key>/", views.register_list, name="register"),
    path("r/<slug:key>/new/", views.register_new, name="new"),
    path("r/<slug:key>/import/", views.import_view, name="import"),
    path("r/<slug:key>/template.xlsx", views.import_template, name="template"),
    path("r/<slug:key>/export.xlsx", views.export, name="export"),
    path("r/<slug:key>/<int:pk>/", views.detail, name="detail"),
    path("r/<slug:key>/<int:pk>/edit/", views.edit, name="edit"),
]
