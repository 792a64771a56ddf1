from django.contrib.auth import views as auth_views
from django.urls import path

from parley.accounts import views
from parley.core.urlpatterns import slug_id_path

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/confirm/resend/", views.register_confirm_resend, name="register-confirm-resend"),
    path("register/confirm/sent/", views.register_confirm_sent, name="register-confirm-sent"),
    path("register/confirm/<str:token>/", views.register_confirm, name="register-confirm"),
    slug_id_path("members", "member_id", "", views.member_profile, "member"),
    path("account/", views.account_settings, name="account"),
    path("account/password/", views.account_password, name="account-password"),
    path("account/email/", views.account_email, name="account-email"),
    path("account/logout-others/", views.account_logout_others, name="account-logout-others"),
    path(
        "lost-password/",
        views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "lost-password/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "lost-password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "lost-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
