"""The shipped nginx configuration, for real: Debian's nginx (installed when missing and root) on
loopback ports with a certificate made here, in front of gunicorn serving both apps in
production mode with the shipped gunicorn configurations, on a temporary SQLite database.

`make deploy-test` runs only this. Everything runs under a temporary folder (nginx's prefix,
pid, logs and temp paths), nothing touches the system's nginx, and all is stopped after."""

from __future__ import annotations

import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from core.db import make_engine
from core.migrate import upgrade_to_head
from core.profile import read_profile_file, store_profile
from core.web import STATIC_FOLDER
from directory.demo import load_demo_directory
from tests.conftest import TEST_AUDIT_KEY, TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS

pytestmark = pytest.mark.deploy
PUBLIC, STAFF = "public.tsunagu.test", "staff.tsunagu.test"
ALLOWED, OTHER = "127.0.0.1", "127.0.0.2"  # two loopback addresses: the office, and not
DEPLOY = PROJECT_ROOT / "deploy"


@dataclass
class Stack:
    http: int
    https: int
    cert: Path

    def curl(self, url: str, *options: str, source: str = ALLOWED) -> tuple[int, dict, bytes]:
        """Status, headers (lower-case names) and body; status 0 and curl's exit code as
        ``headers["curl"]`` when no HTTP answer came."""
        port = self.https if url.startswith("https") else self.http
        resolve = [f"{name}:{port}:127.0.0.1" for name in (PUBLIC, STAFF, "other.test")]
        command = ["curl", "-sS", "-D", "-", "--max-time", "20", "--cacert", str(self.cert)]
        command += [arg for r in resolve for arg in ("--resolve", r)]
        command += ["--interface", source, *options, url.replace("PORT", str(port))]
        done = subprocess.run(command, capture_output=True, timeout=30, check=False)
        if done.returncode != 0:
            return 0, {"curl": done.returncode}, done.stderr
        head, _, body = done.stdout.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split()[1]), headers, body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_binary() -> str:
    system = Path("/usr/sbin/nginx")  # not on a plain user's PATH
    found = shutil.which("nginx") or (str(system) if system.exists() else None)
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        environ = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=environ, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=environ, timeout=600,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        found = "/usr/sbin/nginx"
    if found is None:
        pytest.fail("the deployment test needs Debian's nginx: sudo apt-get install nginx")
    return found


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(PUBLIC), x509.DNSName(STAFF)]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def production_environment(folder: Path) -> dict[str, str]:
    database = folder / "tsunagu.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    upgrade_to_head(engine)
    with Session(engine) as session, session.begin():
        store_profile(session, read_profile_file(PROJECT_ROOT / "core/profiles/kyotango.toml"))
        load_demo_directory(session)
    engine.dispose()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")},
        "TSUNAGU_ENV": "production",
        "TSUNAGU_INSTANCE_PATH": str(folder),
        "TSUNAGU_DATABASE_URL": f"sqlite:///{database}",
        "TSUNAGU_PUBLIC_SECRET_KEY": "public-" + "p" * 40,
        "TSUNAGU_BACKOFFICE_SECRET_KEY": "backoffice-" + "b" * 40,
        "TSUNAGU_DATA_KEYS": TEST_DATA_KEYS,
        "TSUNAGU_BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
        "TSUNAGU_AUDIT_KEY": TEST_AUDIT_KEY,
        "TSUNAGU_PUBLIC_BASE_URL": f"https://{PUBLIC}",
        "TSUNAGU_TRUSTED_PROXY_COUNT": "1",
        "TSUNAGU_BACKOFFICE_ALLOWED_NETWORKS": f"{ALLOWED}/32",
        "TSUNAGU_ARGON2_MEMORY_KIB": "1024",
    }


def gunicorn(app: str, port: int, environ: dict[str, str], folder: Path) -> subprocess.Popen:
    config = DEPLOY / "gunicorn" / f"{app}.conf.py"
    metrics = {"PROMETHEUS_MULTIPROC_DIR": str(folder / f"metrics-{app}")}
    command = [sys.executable, "-m", "gunicorn", "--config", str(config)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", f"wsgi:{app}"]
    log = (folder / f"gunicorn-{app}.log").open("wb")
    return subprocess.Popen(
        command, cwd=folder, env=environ | metrics, stdout=log, stderr=subprocess.STDOUT
    )


def nginx_configuration(folder: Path, ports: dict[str, int]) -> Path:
    cert, key = self_signed(folder)
    values = {
        "PUBLIC_SERVER_NAME": PUBLIC, "BACKOFFICE_SERVER_NAME": STAFF,
        "HTTP_LISTEN": f"127.0.0.1:{ports['http']}", "HTTP_LISTEN_V6": f"[::1]:{ports['http']}",
        "HTTPS_LISTEN": f"127.0.0.1:{ports['https']}",
        "HTTPS_LISTEN_V6": f"[::1]:{ports['https']}",
        "PUBLIC_UPSTREAM": f"127.0.0.1:{ports['public']}",
        "BACKOFFICE_UPSTREAM": f"127.0.0.1:{ports['backoffice']}",
        "PUBLIC_CERTIFICATE": str(cert), "PUBLIC_CERTIFICATE_KEY": str(key),
        "BACKOFFICE_CERTIFICATE": str(cert), "BACKOFFICE_CERTIFICATE_KEY": str(key),
        "OFFICE_NETWORK": f"{ALLOWED}/32", "STATIC_ROOT": str(STATIC_FOLDER),
        "ACME_ROOT": str(folder / "acme"), "LOG_DIR": str(folder),
    }  # fmt: skip
    render = runpy.run_path(str(DEPLOY / "render.py"))["render"]
    site = folder / "tsunagu.conf"
    site.write_text(render((DEPLOY / "nginx/tsunagu.conf").read_text(), values))
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read this test's files
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\nhttp {\n"
        "  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items()).replace(
            "body_temp_path", "client_body_temp_path"
        )
        + f"  include {site};\n}}\n"
    )
    return main


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail(f"exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing answers on {port}: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    nginx = nginx_binary()
    folder = tmp_path_factory.mktemp("deploy")
    folder.chmod(0o755)
    ports = {name: free_port() for name in ("http", "https", "public", "backoffice")}
    environ = production_environment(folder)
    main = nginx_configuration(folder, ports)
    processes = [
        gunicorn("public", ports["public"], environ, folder),
        gunicorn("backoffice", ports["backoffice"], environ, folder),
    ]
    check = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(main)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    if check.returncode:
        pytest.fail(check.stderr)
    server = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=(folder / "nginx.out").open("wb"),
    )  # fmt: skip
    processes.append(server)
    try:
        for app, process in zip(("public", "backoffice"), processes, strict=False):
            wait_for(ports[app], process, folder / f"gunicorn-{app}.log")
        wait_for(ports["https"], server, folder / "nginx.out")
        yield Stack(ports["http"], ports["https"], folder / "cert.pem")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_the_public_site_answers_over_https_with_the_app_s_headers(stack: Stack) -> None:
    status, headers, body = stack.curl(f"https://{PUBLIC}:PORT/")

    assert status == 200, body
    assert "いますぐ" in body.decode()
    assert headers["strict-transport-security"].startswith("max-age=31556926")  # a year
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert len(headers["x-request-id"]) == 32
    assert "set-cookie" not in headers
    assert headers["server"] == "nginx"  # no version (server_tokens off)


def test_plain_http_is_sent_to_https(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"http://{PUBLIC}:PORT/directory?q=x")

    assert status == 301 and headers["location"] == f"https://{PUBLIC}/directory?q=x"


def test_an_unknown_name_gets_no_answer(stack: Stack) -> None:
    assert stack.curl("http://other.test:PORT/")[1] == {"curl": 52}  # empty reply
    assert stack.curl("https://other.test:PORT/", "-k")[1] == {"curl": 35}  # handshake refused


def test_text_is_compressed(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"https://{PUBLIC}:PORT/", "-H", "Accept-Encoding: gzip")

    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]


def test_fingerprinted_static_files_are_kept_a_year_and_others_an_hour(stack: Stack) -> None:
    css = next(STATIC_FOLDER.glob("css/*.css")).relative_to(STATIC_FOLDER)
    kept = stack.curl(f"https://{PUBLIC}:PORT/static/{css}?v=0123456789ab", "--compressed")
    plain = stack.curl(f"https://{PUBLIC}:PORT/static/{css}")

    assert kept[0] == plain[0] == 200
    assert kept[1]["cache-control"] == "public, max-age=31536000, immutable"
    assert kept[1]["content-encoding"] == "gzip"
    assert kept[1]["x-content-type-options"] == "nosniff"
    assert plain[1]["cache-control"] == "public, max-age=3600"


def test_the_back_office_answers_only_on_its_own_name(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"https://{STAFF}:PORT/login")
    on_public_name = stack.curl(f"https://{PUBLIC}:PORT/login")[0]

    assert status == 200 and headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"].startswith("max-age=31556926")
    assert "content-encoding" not in headers  # no compression of pages holding a CSRF token
    assert on_public_name == 404


def test_the_back_office_refuses_other_networks_whatever_they_claim(stack: Stack) -> None:
    claim = ("-H", f"X-Forwarded-For: {ALLOWED}")

    assert stack.curl(f"https://{STAFF}:PORT/login", source=OTHER)[0] == 403
    assert stack.curl(f"https://{STAFF}:PORT/login", *claim, source=OTHER)[0] == 403


def test_request_bodies_are_limited(stack: Stack) -> None:
    public = stack.curl(f"https://{PUBLIC}:PORT/", "--data-binary", "x" * 100_000)
    staff = stack.curl(f"https://{STAFF}:PORT/login", "-H", "Expect:",
                       "--data-binary", "@" + str(big_file(stack)))  # fmt: skip

    assert public[0] == 413 and staff[0] == 413


def big_file(stack: Stack) -> Path:
    path = stack.cert.parent / "five-megabytes"
    path.write_bytes(b"x" * 5 * 1024 * 1024)
    return path


def test_metrics_are_on_the_back_office_s_name_only_and_sum_the_workers(stack: Stack) -> None:
    for _ in range(6):
        stack.curl(f"https://{PUBLIC}:PORT/")

    hidden = stack.curl(f"https://{PUBLIC}:PORT/metrics")
    refused = stack.curl(f"https://{STAFF}:PORT/metrics/public", source=OTHER)
    status, _, body = stack.curl(f"https://{STAFF}:PORT/metrics/public")
    backoffice = stack.curl(f"https://{STAFF}:PORT/metrics")

    assert hidden[0] == 404 and refused[0] == 403
    assert status == 200 and backoffice[0] == 200
    text = body.decode()
    home = [
        line for line in text.splitlines()
        if line.startswith('tsunagu_requests_total{app="public",endpoint="public.home"')
    ]  # fmt: skip
    assert home and sum(float(line.rsplit(" ", 1)[1]) for line in home) >= 6
    assert 'tsunagu_page_cache_lookups_total{app="public",result="front"}' in text
    assert 'app="backoffice"' in backoffice[2].decode()
    assert ALLOWED not in text


def test_health_and_readiness_through_nginx(stack: Stack) -> None:
    health = stack.curl(f"https://{PUBLIC}:PORT/healthz")
    ready = stack.curl(f"https://{PUBLIC}:PORT/readyz")

    assert health[0] == 200 and ready[0] == 200 and ready[2] == b"ready\n"
    assert ready[1]["cache-control"] == "no-store" and "set-cookie" not in ready[1]
