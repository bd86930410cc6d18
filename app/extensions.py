"""Flask extensions, created unbound; `create_app` binds them."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from app.models.base import db

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate", "socketio"]

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
socketio = SocketIO()
# Storage: Redis when REDIS_URL is set (shared by all processes), memory otherwise.
limiter = Limiter(key_func=get_remote_address)
