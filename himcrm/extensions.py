"""Flask extensions, created here and bound to an app in :func:`himcrm.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from himcrm.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
# Storage: Redis when REDIS_URL is set, memory otherwise (set in create_app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
