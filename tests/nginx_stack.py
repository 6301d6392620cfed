"""The shipped deployment, for real on loopback: Debian's nginx with the kit's configuration
(deploy/nginx, a certificate made here) in front of gunicorn serving both apps in production
mode with the kit's gunicorn configurations, on a temporary SQLite database holding the demo
directory.

Used by the deployment test (tests/test_deploy_nginx.py, `make deploy-test`) and by `make
lighthouse` (tests/lighthouse.py). Everything runs under one folder (nginx's prefix, pid, logs
and temp paths); nothing touches the system's nginx, and all is stopped after. Failures raise
StackError, which each caller reports its own way.
"""

from __future__ import annotations

import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

PUBLIC, STAFF = "public.tsunagu.test", "staff.tsunagu.test"
ALLOWED, OTHER = "127.0.0.1", "127.0.0.2"  # two loopback addresses: the office, and not
DEPLOY = PROJECT_ROOT / "deploy"
# Debian's brotli module (libnginx-mod-http-brotli-filter). Its package enables it in
# /etc/nginx/modules-enabled by a load_module line relative to /etc/nginx, which a server
# with another prefix cannot include, so the stack loads the file itself.
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
BROTLI_PACKAGE = "libnginx-mod-http-brotli-filter"


class StackError(RuntimeError):
    """nginx or gunicorn is missing, refused its configuration or did not answer."""


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


def apt_install(package: str) -> None:
    environ = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=environ, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package], check=True, env=environ, timeout=600,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def nginx_binary() -> str:
    """Debian's nginx with its brotli module, installed when missing and root."""
    system = Path("/usr/sbin/nginx")  # not on a plain user's PATH
    found = shutil.which("nginx") or (str(system) if system.exists() else None)
    if found is None and can_install():
        apt_install("nginx")
        found = str(system)
    if found is None:
        raise StackError("the deployment test needs Debian's nginx: sudo apt-get install nginx")
    if not BROTLI_MODULE.exists() and can_install():
        apt_install(BROTLI_PACKAGE)
    if not BROTLI_MODULE.exists():
        raise StackError(f"the deployment test needs brotli: apt-get install {BROTLI_PACKAGE}")
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


def nginx_configuration(folder: Path, ports: dict[str, int], *, brotli: bool = True) -> Path:
    """nginx.conf for a server under ``folder``: the kit's site, rendered as the runbook does.
    With ``brotli``, the module is loaded and the kit's snippet put where the site includes it,
    as the runbook has it done once the module is installed; without, neither is."""
    cert, key = self_signed(folder)
    snippets = folder / "snippets"
    snippets.mkdir()
    if brotli:
        shutil.copy(DEPLOY / "nginx/tsunagu-brotli.conf", snippets)
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
        "NGINX_SNIPPETS": str(snippets),
    }  # fmt: skip
    render = runpy.run_path(str(DEPLOY / "render.py"))["render"]
    site = folder / "tsunagu.conf"
    site.write_text(render((DEPLOY / "nginx/tsunagu.conf").read_text(), values))
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read this run's files
    module = f"load_module {BROTLI_MODULE};\n" if brotli else ""
    main = folder / "nginx.conf"
    main.write_text(
        f"{module}{user}worker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\nhttp {\n"
        "  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items()).replace(
            "body_temp_path", "client_body_temp_path"
        )
        + f"  include {site};\n}}\n"
    )
    return main


def check_configuration(nginx: str, folder: Path, main: Path) -> None:
    check = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(main)],
                           capture_output=True, text=True, check=False)  # fmt: skip
    if check.returncode:
        raise StackError(check.stderr)


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise StackError(f"exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise StackError(f"nothing answers on {port}: {log.read_text(errors='replace')[-2000:]}")


@contextmanager
def running_stack(folder: Path) -> Iterator[Stack]:
    """nginx and both gunicorn servers on free loopback ports, stopped on leaving."""
    nginx = nginx_binary()
    folder.chmod(0o755)
    ports = {name: free_port() for name in ("http", "https", "public", "backoffice")}
    environ = production_environment(folder)
    main = nginx_configuration(folder, ports)
    check_configuration(nginx, folder, main)
    processes = [
        gunicorn("public", ports["public"], environ, folder),
        gunicorn("backoffice", ports["backoffice"], environ, folder),
    ]
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
