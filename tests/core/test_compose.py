"""docker-compose.yml checked with Debian's docker-compose (no Docker engine needed)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "web", "worker", "beat"}
SERVER_PORTS = {"5432", "6379"}


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the compose file beside a .env made from .env.example."""
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (`./run tests` installs it)")
    shutil.copy(REPO_ROOT / "docker-compose.yml", tmp_path)
    example = (REPO_ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(
        example.replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=compose0test\n")
    )
    return tmp_path


def _compose(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(project / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _resolved(project: Path) -> dict:
    result = _compose(project, "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def _published(port) -> tuple[str, str]:
    """Return (host address, container port) of one `ports` entry of `config`."""
    if isinstance(port, dict):
        return port.get("host_ip", ""), str(port["target"])
    parts = str(port).split("/")[0].split(":")
    host_ip = parts[0] if len(parts) == 3 else ""
    return host_ip, parts[-1]


def test_compose_config_valid(project_dir):
    result = _compose(project_dir, "config", "-q")

    assert result.returncode == 0, result.stderr
    assert "is not set" not in result.stderr


def test_compose_expected_services(project_dir):
    services = _resolved(project_dir)["services"]

    assert set(services) == {"postgres", "redis"} | APP_SERVICES


def test_compose_app_services_share_image(project_dir):
    services = _resolved(project_dir)["services"]

    images = {services[name].get("image") for name in APP_SERVICES}
    assert images == {"cvanalytics:latest"}
    for name in APP_SERVICES:
        assert "build" in services[name], name


def test_compose_service_commands(project_dir):
    services = _resolved(project_dir)["services"]

    assert "command" not in services["web"]
    assert services["worker"]["command"][3] == "worker"
    assert services["beat"]["command"][3] == "beat"
    assert (
        "django_celery_beat.schedulers:DatabaseScheduler" in services["beat"]["command"]
    )
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]


def test_compose_long_running_services_have_healthchecks(project_dir):
    services = _resolved(project_dir)["services"]

    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name


def test_compose_database_and_redis_not_published(project_dir):
    services = _resolved(project_dir)["services"]

    for name, service in services.items():
        for port in service.get("ports", []):
            host_ip, target = _published(port)
            assert target not in SERVER_PORTS or host_ip.startswith("127."), name
    assert "ports" not in services["postgres"]
    assert "ports" not in services["redis"]


def test_compose_web_bound_to_loopback_by_default(project_dir):
    env_file = project_dir / ".env"
    lines = env_file.read_text().splitlines()
    env_file.write_text(
        "\n".join(x for x in lines if not x.startswith("CVANALYTICS_HTTP_BIND")) + "\n"
    )

    ports = _resolved(project_dir)["services"]["web"]["ports"]

    assert [_published(port) for port in ports] == [("127.0.0.1", "8000")]


def test_compose_app_services_use_servers(project_dir):
    services = _resolved(project_dir)["services"]

    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert "@postgres:5432/" in environment["DATABASE_URL"], name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:"), name


def _mount(volume) -> tuple[str, str]:
    """Return (source, target) of one `volumes` entry of `config`."""
    if isinstance(volume, dict):
        return volume.get("source", ""), volume["target"]
    parts = str(volume).split(":")
    return parts[0], parts[1]


def test_compose_shares_upload_volume(project_dir):
    resolved = _resolved(project_dir)
    services = resolved["services"]

    for name in ("web", "worker", "beat"):
        storage_dir = services[name]["environment"]["CVANALYTICS_LOG_STORAGE_DIR"]
        mounts = {_mount(volume) for volume in services[name].get("volumes", [])}
        assert ("app-var", "/app/var") in mounts, name
        assert storage_dir.startswith("/app/var/"), name
    assert "app-var" in resolved["volumes"]


def test_compose_password_required(project_dir):
    env_file = project_dir / ".env"
    env_file.write_text(
        env_file.read_text().replace("POSTGRES_PASSWORD=compose0test", "")
    )

    result = _compose(project_dir, "config", "-q")

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_compose_file_has_no_literal_secrets():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())

    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            if any(word in key for word in ("PASSWORD", "SECRET", "KEY")):
                assert str(value).startswith("${"), f"{name}: {key}"


def test_env_example_leaves_secrets_empty():
    example = (REPO_ROOT / ".env.example").read_text().splitlines()

    for name in (
        "DJANGO_SECRET_KEY",
        "CVANALYTICS_ENCRYPTION_KEYS",
        "POSTGRES_PASSWORD",
    ):
        assert f"{name}=" in example, name


def test_dockerfile_collects_static_and_runs_gunicorn():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()

    assert "npm ci" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert '"gunicorn", "cvanalytics.wsgi"' in dockerfile


def test_collectstatic_with_image_storage(settings, tmp_path):
    """The image's collectstatic step: hashed names, npm assets and source maps."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }

    call_command("collectstatic", "--noinput", verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert "vendor/bootstrap/css/bootstrap.min.css" in manifest
    assert "vendor/echarts/echarts.min.js" in manifest
