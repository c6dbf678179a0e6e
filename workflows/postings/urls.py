from django.urls import path

from . import views

app_name = "postings"

urlpatterns = [
    path("", views.posting_list, name="posting-list"),
    path("export.xlsx", views.posting_export, name="posting-export"),
    path("new/", views.posting_create, name="posting-create"),
    path("<int:pk>/", views.posting_detail, name="posting-detail"),
    path("<int:pk>/attendance/", views.posting_attendance, name="posting-attendance"),
    path("<int:pk>/funds/", views.posting_funds, name="posting-funds"),
    path("<int:pk>/leave/", views.posting_leave, name="posting-leave"),
    path("<int:pk>/assessment/", views.posting_assessment_open, name="posting-assessment-open"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("assessments/", views.assessment_board, name="assessment-board"),
    path("assessments/export.xlsx", views.assessment_export, name="assessment-export"),
    path("assessments/open/", views.assessment_open_year, name="assessment-open-year"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("recalls/", views.recall_list, name="recall-list"),
    path("recalls/<int:pk>/", views.recall_detail, name="recall-detail"),
    path("leave/<int:pk>/", views.leave_detail, name="leave-detail"),
]
