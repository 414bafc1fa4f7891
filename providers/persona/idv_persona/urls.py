"""URLs of the persona provider, mounted at the LMS root by its plugin app (namespace ``idv_persona``)."""

app_name = "idv_persona"
urlpatterns: list = []
