"""Local development and the demo shop (``make run``)."""

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS, VAR_DIR, finish_settings
from .environment import env_str

DEBUG = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# The demo takes payment at once, so a visitor can buy and then download.
SHOP_PAYMENT_GATEWAY = env_str("SHOP_PAYMENT_GATEWAY", "shop_ext.payments.gateways.pay_instantly_for_demo")

# The demo catalogue and its loader (make run; the browser and theme tests).
INSTALLED_APPS = [*INSTALLED_APPS, "shop_demo"]

finish_settings(globals())
