"""Request bodies the client sends: login, token renewal and the DDB QCommands.

The QCommand bodies follow cvpysdk 11.44 `deduplication_engines.py`.
"""

import base64
from typing import Any

# The path contains a space, sent percent-encoded.
QCOMMAND_PATH = "/Qcommand/qoperation%20execute"

# Login fields cvpysdk 11.44 sends (`cvpysdk.py::_login`): mode 4 and client type 30.
LOGIN_MODE = 4
LOGIN_CLIENT_TYPE = 30

# Store type of deduplication engines in EVGui_DDBEnginesReq.
DDB_STORE_TYPE = 115


def login_body(username: str, password: str, device_id: str) -> dict[str, Any]:
    """Build the POST /Login body; the password goes base64-encoded as UTF-8."""
    encoded = base64.b64encode(password.encode("utf-8")).decode("ascii")
    return {
        "username": username,
        "password": encoded,
        "deviceId": device_id,
        "mode": LOGIN_MODE,
        "clientType": LOGIN_CLIENT_TYPE,
    }


def renew_body(token: str, device_id: str) -> dict[str, Any]:
    """Build the POST /RenewLoginToken body; deviceId must match the login's."""
    return {"sessionId": token, "deviceId": device_id}


def ddb_engines_body() -> dict[str, Any]:
    """Build the EVGui_DDBEnginesReq QCommand that lists every DDB store."""
    return {
        "EVGui_DDBEnginesReq": {
            "filterOptions": {"propertyLevel": 1},
            "storagepolicy": {"storagePolicyId": 0},
            "spCopy": {"copyId": 0, "storagePolicyId": 0},
            "store": {"type": DDB_STORE_TYPE},
            "flags": 0,
        }
    }


def substore_list_body(commcell_id: int, store_id: int) -> dict[str, Any]:
    """Build the EVGui_SubStoreListReq QCommand that lists a store's partitions."""
    return {"EVGui_SubStoreListReq": {"commcellId": commcell_id, "storeId": store_id}}
