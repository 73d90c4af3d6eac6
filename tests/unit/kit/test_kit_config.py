"""Settings from ANJIAN_* variables and through the nameko container config."""

import pytest

from services.kit.config import Settings


def test_defaults_reach_the_local_stack():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.minio_endpoint == "127.0.0.1:9000"
    assert settings.minio_secure is False
    assert settings.evidence_max_bytes == 50 * 1024 * 1024
    assert settings.database("registry") == "anjian_registry"


def test_environment_overrides_with_the_field_type():
    settings = Settings.from_env(
        {
            "ANJIAN_GATEWAY_PORT": "9090",
            "ANJIAN_MINIO_SECURE": "yes",
            "ANJIAN_RPC_TIMEOUT_SECONDS": "2.5",
            "ANJIAN_EVIDENCE_BUCKET": "evidence-test",
            "UNRELATED": "ignored",
        }
    )
    assert settings.gateway_port == 9090
    assert settings.minio_secure is True
    assert settings.rpc_timeout_seconds == 2.5
    assert settings.evidence_bucket == "evidence-test"
    assert settings.amqp_uri == Settings().amqp_uri


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_false_spellings(raw):
    assert Settings.from_env({"ANJIAN_MINIO_SECURE": raw}).minio_secure is False


def test_bad_int_names_the_variable():
    with pytest.raises(ValueError, match="ANJIAN_GATEWAY_PORT.*'eighty'"):
        Settings.from_env({"ANJIAN_GATEWAY_PORT": "eighty"})


def test_bad_bool_names_the_variable():
    with pytest.raises(ValueError, match="ANJIAN_MINIO_SECURE must be true or false.*'maybe'"):
        Settings.from_env({"ANJIAN_MINIO_SECURE": "maybe"})


def test_nameko_config_round_trip():
    settings = Settings(evidence_bucket="round-trip", gateway_port=8123, minio_secure=True)
    config = settings.nameko_config()
    assert config["AMQP_URI"] == settings.amqp_uri
    assert Settings.from_nameko(config) == settings


def test_nameko_config_without_settings_falls_back_to_environment(monkeypatch):
    monkeypatch.setenv("ANJIAN_EVIDENCE_BUCKET", "from-environment")
    assert (
        Settings.from_nameko({"AMQP_URI": "amqp://elsewhere/"}).evidence_bucket
        == "from-environment"
    )
