from django.urls import path

from . import handover, recordviews, routing, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("export.xlsx", views.case_export, name="export"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("routing/", routing.routing_register, name="routing"),
    path("routing/export.xlsx", routing.routing_export, name="routing-export"),
    path("routing/report/", routing.routing_report, name="routing-report"),
    path("routing/report/export.xlsx", routing.routing_report_export, name="routing-report-export"),
    path("stats/", views.statistics, name="stats"),
    path("handed-over/", handover.handed_over_list, name="handed-over"),
    path("handed-over/<int:pk>/", handover.handed_over_detail, name="handed-over-detail"),
    path("handed-over/<int:pk>/files/<int:file_pk>/", handover.handed_over_file, name="handed-over-file"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/attachments/", views.case_attachment_add, name="attachment-add"),
    path("<int:pk>/subjects/", views.case_subject_add, name="subject-add"),
    path("<int:pk>/detentions/", recordviews.detention_propose, name="detention-propose"),
    path("<int:pk>/inquiry-letters/", recordviews.letter_add, name="letter-add"),
    path("inquiry-letters/<int:pk>/reply/", recordviews.letter_reply, name="letter-reply"),
    path("inquiry-letters/<int:pk>/conclusion/", recordviews.letter_conclude, name="letter-conclude"),
    path("<int:pk>/talks/", recordviews.talk_add, name="talk-add"),
    path("<int:pk>/evidence/", recordviews.evidence_add, name="evidence-add"),
    path("talks/<int:pk>/", recordviews.talk_edit, name="talk-edit"),
    path("evidence/<int:pk>/", recordviews.evidence_edit, name="evidence-edit"),
    path("accountability/", views.matter_list, name="matter-list"),
    path("accountability/new/", views.matter_create, name="matter-create"),
    path("accountability/<int:pk>/", views.matter_detail, name="matter-detail"),
]
