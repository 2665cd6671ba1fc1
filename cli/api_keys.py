"""`knotwork apikey create|list|delete`: API keys for /api/v1 from the command line.

The key acts as the user given by --email; it is printed once and stored only as a hash.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from .workflows import EXIT_INVALID, EXIT_OK, _database


def register(commands: Any) -> None:
    apikey = commands.add_parser("apikey", help="create, list and delete API keys for /api/v1")
    actions = apikey.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key for a user; prints it once")
    create.add_argument("--email", required=True, help="the user the key acts as")
    create.add_argument("--label", default="", help="what the key is for")
    create.add_argument("--scopes", default="", help="comma-separated scopes that narrow the key (default: all "
                                                      "of the user's)")
    create.add_argument("--expires-days", type=int, default=None, help="days until the key stops working")
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="a user's keys (never the keys themselves)")
    listing.add_argument("--email", required=True)
    listing.set_defaults(handler=run_list)
    delete = actions.add_parser("delete", help="delete a key by its id")
    delete.add_argument("--email", required=True)
    delete.add_argument("id")
    delete.set_defaults(handler=run_delete)


def _actor(database: Any, email: str) -> Any:
    from sqlmodel import select

    from models import User
    from services.access import Actor
    from services.users import UserError

    with database.session() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise UserError(f"No user with the email '{email}'")
    return Actor(user.id, user.role, user.email, via="cli")


def _run(command: str, work: Any) -> int:
    from engine.errors import KnotworkError
    from services.settings import SettingsError, load_settings
    from services.users import UserError

    try:
        with _database(load_settings()) as database:
            return int(work(database))
    except (KnotworkError, UserError, SettingsError) as error:
        print(f"knotwork apikey {command}: {error}", file=sys.stderr)
        return EXIT_INVALID


def run_create(args: argparse.Namespace) -> int:
    from models.types import utcnow
    from services.api_keys import create_api_key

    def work(database: Any) -> int:
        expires = utcnow() + timedelta(days=args.expires_days) if args.expires_days is not None else None
        scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
        created = create_api_key(database, _actor(database, args.email), args.label, scopes=scopes,
                                 expires_at=expires)
        print(created.key)
        print(f"API key {created.row.id} for {args.email.strip().lower()}: shown once, store it now",
              file=sys.stderr)
        return EXIT_OK

    return _run("create", work)


def run_list(args: argparse.Namespace) -> int:
    from services.api_keys import list_api_keys

    def work(database: Any) -> int:
        for row in list_api_keys(database, _actor(database, args.email)):
            expires = row.expires_at.isoformat() if row.expires_at else "never"
            used = row.last_used_at.isoformat() if row.last_used_at else "never"
            scopes = ",".join(row.scopes) or "all"
            print(f"{row.id}\t{row.label}\tscopes={scopes}\texpires={expires}\tlast used={used}")
        return EXIT_OK

    return _run("list", work)


def run_delete(args: argparse.Namespace) -> int:
    from services.api_keys import delete_api_key

    def work(database: Any) -> int:
        delete_api_key(database, _actor(database, args.email), args.id)
        print(f"Deleted API key {args.id}")
        return EXIT_OK

    return _run("delete", work)
