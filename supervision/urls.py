from django.contrib.auth import views as auth_views
from django.urls import path

from . import autocomplete, marks, statsviews, views
from .documents.urls import page_urlpatterns as document_urlpatterns

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_mark_read, name="notification-mark-read"),
    path("notifications/feed/", views.notification_feed, name="notification-feed"),
    path("records/<str:key>/<str:pk>/history/", views.record_history, name="record-history"),
    path("records/<str:key>/<str:pk>/transitions/<str:name>/", views.record_transition, name="record-transition"),
    path("records/<str:key>/<str:pk>/handler/<str:op>/", views.record_handler, name="record-handler"),
    path("done/", views.done_list, name="done"),
    path("audit/", views.audit_search_view, name="audit-search"),
    path("audit/reads/", views.audit_reads_view, name="audit-reads"),
    path("audit/integrity/", views.audit_integrity_view, name="audit-integrity"),
    path("statistics/", statsviews.statistics, name="statistics"),
    path("dashboard/", statsviews.dashboard, name="dashboard"),
    path("marks/", marks.marks_register, name="marks"),
    path("marks/people/<int:pk>/", marks.person_marks, name="person-marks"),
    path("autocomplete/<str:kind>/", autocomplete.autocomplete, name="autocomplete"),
    path("files/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("files/<int:pk>/inline/", views.attachment_inline, name="attachment-inline"),
]
urlpatterns += document_urlpatterns
