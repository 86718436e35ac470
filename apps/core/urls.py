from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("health/", views.health, name="health"),
]
