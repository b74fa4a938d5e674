import logging

import pytest


@pytest.fixture
def security_log(caplog):
    """The records of the ``studyhub.security`` logger.

    That logger does not propagate (it writes JSON lines to its own handler), so
    caplog's handler is attached to it directly.
    """
    logger = logging.getLogger("studyhub.security")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="studyhub.security")
    yield caplog
    logger.removeHandler(caplog.handler)


def events(caplog, name: str) -> list[dict]:
    return [
        record.security
        for record in caplog.records
        if record.name == "studyhub.security" and record.getMessage() == name
    ]
