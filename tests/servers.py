"""What the tests that start real servers share: free ports, and skipping with the reason when
PostgreSQL or Redis does not answer (test_two_instances.py, test_canaries.py, test_faults.py)."""

from __future__ import annotations

import os
import socket

import pytest
import redis
from sqlalchemy import create_engine, text

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_or_skip(admin_url: str = POSTGRES_ADMIN_URL) -> None:
    admin = create_engine(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        pytest.skip(f"PostgreSQL not reachable at {admin_url} ({type(exc).__name__})")
    finally:
        admin.dispose()


def redis_or_skip(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {url} ({type(exc).__name__})")
    return client
