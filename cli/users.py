"""`knotwork user create|password`: the first owner and password resets from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from .workflows import EXIT_INVALID, EXIT_OK, _database


def register(commands: Any) -> None:
    user = commands.add_parser("user", help="create users and reset passwords")
    actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a user (with --owner: the instance owner)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="the password (asked for when omitted)")
    create.add_argument("--owner", action="store_true", help="make this user the owner (only once)")
    create.add_argument("--role", choices=("admin", "member"), default="member")
    create.add_argument("--first-name", default="")
    create.add_argument("--last-name", default="")
    create.set_defaults(handler=run_create)
    password = actions.add_parser("password", help="set a new password for a user")
    password.add_argument("--email", required=True)
    password.add_argument("--password", help="the new password (asked for when omitted)")
    password.set_defaults(handler=run_password)


def _password(args: argparse.Namespace) -> str:
    return args.password if args.password is not None else getpass.getpass("Password: ")


def run_create(args: argparse.Namespace) -> int:
    from services.settings import SettingsError, load_settings
    from services.users import UserError, create_user

    try:
        with _database(load_settings()) as database:
            user = create_user(database, args.email, _password(args), role="owner" if args.owner else args.role,
                               first_name=args.first_name, last_name=args.last_name)
    except (UserError, SettingsError) as error:
        print(f"knotwork user create: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Created {user.role} {user.email}")
    return EXIT_OK


def run_password(args: argparse.Namespace) -> int:
    from services.settings import SettingsError, load_settings
    from services.users import UserError, set_password

    try:
        with _database(load_settings()) as database:
            set_password(database, args.email, _password(args))
    except (UserError, SettingsError) as error:
        print(f"knotwork user password: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Password of {args.email.strip().lower()} changed")
    return EXIT_OK
