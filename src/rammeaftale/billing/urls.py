from django.urls import path

from rammeaftale.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.settlement_overview, name="settlement"),
    path("forhaandsvisning/", views.settlement_preview, name="settlement_preview"),
    path("udstedt/", views.settlement_result, name="settlement_result"),
    path("fakturaer/", views.invoices, name="invoice_list"),
    path("fakturaer/kontering.<str:fmt>", views.invoices_export, name="invoice_export"),
    path("fakturaer/kontering-pr-kontostreng.csv", views.invoices_totals, name="invoice_totals"),
    path("fakturaer/kontostrenge/", views.account_codes, name="account_codes"),
    path("fakturaer/<id:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("fakturaer/<id:invoice_id>/oioubl.xml", views.invoice_xml, name="invoice_xml"),
    path("fakturaer/<id:invoice_id>/faktura.pdf", views.invoice_pdf_download, name="invoice_pdf"),
    path("fakturaer/<id:invoice_id>/kontering.<str:fmt>", views.invoice_posting, name="invoice_posting"),
]
