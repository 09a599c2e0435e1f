from django.urls import path

from rammeaftale.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.settlement_overview, name="settlement"),
    path("forhaandsvisning/", views.settlement_preview, name="settlement_preview"),
    path("udstedt/", views.settlement_result, name="settlement_result"),
    path("fakturaer/", views.invoices, name="invoice_list"),
    path("fakturaer/kontering.<str:fmt>", views.invoices_export, name="invoice_export"),
    path("fakturaer/<id:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("fakturaer/<id:invoice_id>/oioubl.xml", views.invoice_xml, name="invoice_xml"),
]
