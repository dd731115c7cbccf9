"""Stateful tool environments: a class whose public methods are the tools, built afresh per trial.

Ours: `files` (an in-memory file system), `office` (calendar, inbox, contacts) and `shop`
(products, stock, orders). Register your own with `register_env`.
"""

from evals.envs.files import FileSystem
from evals.envs.office import Office
from evals.envs.registry import EnvType, default_snapshot, env_type, make_env, register_env
from evals.envs.shop import Shop

register_env("files", lambda state: FileSystem(**state))
register_env("office", lambda state: Office(**state))
register_env("shop", lambda state: Shop(**state))

__all__ = [
    "EnvType",
    "FileSystem",
    "Office",
    "Shop",
    "default_snapshot",
    "env_type",
    "make_env",
    "register_env",
]
