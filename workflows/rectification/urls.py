from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.register, name="list"),
    path("new/", views.screen, name="screen"),
    path("board/", views.board, name="board"),
    path("overdue/", views.overdue, name="overdue"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/plan-items/", views.plan_item_add, name="plan-item-add"),
    path("<int:pk>/plan-items/<int:item_id>/done/", views.plan_item_done, name="plan-item-done"),
    path("<int:pk>/progress/", views.progress_add, name="progress-add"),
]
