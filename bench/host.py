"""
The benchmarks' common start: their ``--mysql`` option, and Django set up and migrated on the bench host
(``bench.settings``: a SQLite file, or the local MariaDB with ``--mysql``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from types import ModuleType


def argument_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph of ``doc``, with the shared ``--mysql`` option."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument(
        "--mysql", action="store_true", help="use MariaDB on 127.0.0.1:3306 instead of SQLite"
    )
    return parser


def start_django(*, mysql: bool, configure: Callable[[ModuleType], None] | None = None) -> None:
    """
    Set up Django on the bench host and migrate its database.

    ``configure`` receives the ``bench.settings`` module before Django reads it, for a benchmark that
    needs more than the core (a provider's app, URLs, middleware).
    """
    if mysql:
        os.environ["IDV_BENCH_DB"] = "mysql"
        create_mysql_database(os.environ.get("IDV_BENCH_MYSQL_DATABASE", "idv_bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    if configure is not None:
        from bench import settings

        configure(settings)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Then the tables of the benchmark's own apps (bench.baseline), which have no migrations.
    call_command("migrate", verbosity=0, run_syncdb=True)


def create_mysql_database(name: str) -> None:
    """Create the benchmark's MariaDB database ``name`` on 127.0.0.1:3306 when it does not exist."""
    import MySQLdb

    connection = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", password="")
    try:
        # A name of letters, digits and underscores only: it cannot be a parameter.
        if not name.replace("_", "").isalnum():
            raise ValueError(f"Not a database name: {name!r}")
        connection.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    finally:
        connection.close()
