"""URLs of the manual provider, mounted at the LMS root by its plugin app (namespace ``idv_manual``)."""

app_name = "idv_manual"
urlpatterns: list = []
