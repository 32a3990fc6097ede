"""The Compose recipe's broker: deploy/mosquitto/mosquitto.conf run by a real mosquitto
through its entrypoint deploy/mosquitto/run.sh, on the files the platform writes. It waits
for them, admits the ingest worker, and reloads when a key is issued (in Compose the
platform's own SIGHUP cannot reach the broker's container)."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from digiplace.core.models import Municipality
from digiplace.urbandata.mqtt.files import broker_files_write
from digiplace.urbandata.services.keys import device_key_issue
from digiplace.urbandata.tests.conftest_mqtt import Broker, device_connect, free_port, wait_for

DEPLOY = Path(settings.BASE_DIR) / "deploy" / "mosquitto"


@pytest.mark.django_db(transaction=True)
def test_the_compose_broker_takes_the_platforms_files_and_reloads_them(
    botosani: Municipality, tmp_path: Path
) -> None:
    files, data = tmp_path / "files", tmp_path / "data"
    files.mkdir()
    data.mkdir()
    port = free_port()
    ingest_url = f"mqtt://digiplace-ingest:ingest-secret-for-tests@127.0.0.1:{port}"
    # The recipe's configuration with this test's folders and port (and its user: as root,
    # mosquitto would otherwise switch to one who cannot read the test's files).
    conf = (DEPLOY / "mosquitto.conf").read_text()
    conf = conf.replace("/mosquitto/files/", f"{files}/").replace("/mosquitto/data/", f"{data}/")
    conf = conf.replace("\nlistener 1883\n", f"\nlistener {port} 127.0.0.1\n")
    assert f"password_file {files}/passwords" in conf and f"listener {port} " in conf
    (tmp_path / "mosquitto.conf").write_text(conf + f"user {getpass.getuser()}\n")
    log = tmp_path / "run.log"
    environment = {
        **os.environ,
        "PATH": f"/usr/sbin:/usr/bin:/bin:{os.environ.get('PATH', '')}",
        "MOSQUITTO_CONFIG": str(tmp_path / "mosquitto.conf"),
        "MOSQUITTO_FILES": str(files),
        "RELOAD_SECONDS": "1",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            ["sh", str(DEPLOY / "run.sh")], env=environment, stdout=output, stderr=output
        )
    # The helper's broker stands for the address only: run.sh starts this one.
    broker = Broker(files)
    broker.port = port
    try:
        wait_for(lambda: "Waiting for the platform" in log.read_text(), what="run.sh to wait")
        assert process.poll() is None

        # The ingest worker writes the files when it starts.
        broker_files_write(files_dir=files, ingest_url=ingest_url, reload=False)

        def listening() -> bool:
            assert process.poll() is None, log.read_text()
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, timeout=30, what="mosquitto to listen")
        worker = device_connect(broker, username="digiplace-ingest", password="wrong")
        assert worker.getName() == "Not authorized"
        worker = device_connect(
            broker, username="digiplace-ingest", password="ingest-secret-for-tests"
        )
        assert worker.getName() == "Success"

        # A key issued in the back office: refused until the files are rewritten, then
        # admitted once run.sh has seen them change (no signal from the platform).
        key, secret = device_key_issue(municipality=botosani, name="Bin 1")
        answer = device_connect(broker, username=key.username, password=secret)
        assert answer.getName() == "Not authorized"
        broker_files_write(files_dir=files, ingest_url=ingest_url, reload=False)

        def accepted() -> bool:
            answer = device_connect(broker, username=key.username, password=secret)
            return answer.getName() == "Success"

        wait_for(accepted, timeout=30, what="the new key to be accepted")
        assert "reloading mosquitto" in log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    # A clean stop: mosquitto stopped with it and saved its persistence file.
    assert process.returncode == 0, log.read_text()
    assert any(data.iterdir())
