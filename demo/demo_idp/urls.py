"""The demo IdP's URLs; the demo mounts them under /demo-idp/ (its issuer)."""

from django.urls import path

from demo_idp import views

app_name = "demo_idp"
urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
    path("jwks", views.jwks, name="jwks"),
]
