from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns = [
    path("", include("apps.commcell.api_urls")),
    path("", include("apps.retention.api_urls")),
    path("", include("apps.retention.tool_api_urls")),
    path("", include("apps.storage.api_urls")),
    path("", include("apps.pruning.api_urls")),
    path("", include("apps.logs.api_urls")),
    path("", include("apps.core.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include(api_patterns)),
    path("", include("apps.core.urls")),
    path("", include("apps.commcell.urls")),
    path("", include("apps.retention.urls")),
    path("", include("apps.retention.tool_urls")),
    path("", include("apps.storage.urls")),
    path("", include("apps.pruning.urls")),
    path("", include("apps.logs.urls")),
]
