from django.urls import path

from cunshe.accounts import token_views, user_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("switch/", views.switch_assignment, name="switch"),
    path("preferences/", views.preferences, name="preferences"),
    path("users/", user_views.user_list, name="users"),
    path("users/<int:pk>/", user_views.user_detail, name="user_detail"),
    path("assignments/<int:pk>/revoke/", user_views.assignment_revoke, name="assignment_revoke"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
