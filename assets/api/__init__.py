"""The assets REST API: serializers, permissions and viewsets mounted under ``/api/v1/``."""
