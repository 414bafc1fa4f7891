"""URLs of the sso provider, mounted at the LMS root by its plugin app (namespace ``idv_sso``)."""

app_name = "idv_sso"
urlpatterns: list = []
