from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kasumi.web"
    label = "web"
    verbose_name = "Web"
