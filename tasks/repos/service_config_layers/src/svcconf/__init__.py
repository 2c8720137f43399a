"""Layered configuration for HTTP services."""

from svcconf.build import load_service, load_services
from svcconf.errors import ConfigError
from svcconf.registry import ServiceRegistry
from svcconf.schema import Limits, Retry, Service, Upstream

__all__ = ["ConfigError", "Limits", "Retry", "Service", "ServiceRegistry", "Upstream", "load_service", "load_services"]
__version__ = "1.4.0"
