"""A PostgreSQL server for the tests: each test run gets its own database, each test its own schema.

The server is ``$SYNCD_TEST_POSTGRES_URL`` or, without it, the one on 127.0.0.1:5432 that the machines
this project is built on run. Without a reachable server the PostgreSQL variants skip and say why,
except under ``CI=true``, where a missing server fails them: CI must test both engines.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql
from pydantic import SecretStr

__all__ = ["DEFAULT_SERVER", "fresh_database", "fresh_schema", "server_url"]

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
_CREATING = 0x5E_7E57  # the advisory lock test runs (parallel workers among them) take to create their databases


def server_url() -> str:
    """A reachable server's URL, else a skip (a failure under CI) naming what was tried."""
    url = os.environ.get("SYNCD_TEST_POSTGRES_URL") or DEFAULT_SERVER
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as exc:
        where = "SYNCD_TEST_POSTGRES_URL" if os.environ.get("SYNCD_TEST_POSTGRES_URL") else "127.0.0.1:5432"
        reason = f"no PostgreSQL server reachable at {where} ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI tests the PostgreSQL state too", pytrace=False)
        pytest.skip(reason)
    return url


def _with_database(url: str, name: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", query, ""))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new database on the server for this test run, dropped after it (and those of runs that were
    killed before they could drop theirs)."""
    name = f"syncd_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        # one creator at a time: CREATE DATABASE copies template1 and fails while another copy holds it
        admin.execute("SELECT pg_advisory_lock(%s)", (_CREATING,))
        rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'syncd\\_test\\_%'").fetchall()
        for (left,) in rows:
            pid = str(left).split("_")[2]
            if pid.isdigit() and not _alive(int(pid)):
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(left)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def fresh_schema(database_url: str) -> Iterator[SecretStr]:
    """A new schema in the run's database, as a state URL whose search path is that schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    parts = urlsplit(database_url)
    query = "options=" + quote(f"-csearch_path={schema}", safe="")
    try:
        yield SecretStr(_with_database(database_url, parts.path.lstrip("/"), query))
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
