"""TransactionEventResponse, IdTokenInfo and MessageContent: hand-written payloads judged by the
official schemas of both dialects (``tests/data/ocpp201`` and ``ocpp21``, jsonschema draft-06 with
strict RFC 3339) decode, round-trip and pickle from every input type; each fault gives the
oracle's code and JSON Pointer; keyword construction validates like decoding; the CALLRESULT
decodes into the type and encodes back."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import jsonschema
import pytest
import strategies as S
from ocpp_meter import (
    AuthorizationStatus,
    CallResult,
    IdToken,
    IdTokenInfo,
    MessageContent,
    MessageFormat,
    TransactionEventResponse,
    TransactionLimit,
    decode_message,
    encode_call_result,
)

ORACLES = {
    dialect: jsonschema.Draft6Validator(
        S.load_schema("TransactionEventResponse", dialect), format_checker=S.FORMAT_CHECKER
    )
    for dialect in ("2.0.1", "2.1")
}
CUSTOM = {"vendorId": "acme", "n": [1, {"a": None}]}

FULL_201: dict[str, Any] = {
    "customData": CUSTOM,
    "totalCost": 12.5,
    "chargingPriority": -9,
    "idTokenInfo": {
        "customData": CUSTOM,
        "status": "ConcurrentTx",
        "cacheExpiryDateTime": "2024-06-01T00:00:00Z",
        "chargingPriority": 9,
        "language1": "en-GB",
        "evseId": [1, 2],
        "groupIdToken": {
            "customData": CUSTOM,
            "additionalInfo": [{"additionalIdToken": "x", "type": "y"}],
            "idToken": "g" * 36,
            "type": "Central",
        },
        "language2": "nl",
        "personalMessage": {
            "customData": CUSTOM,
            "format": "UTF8",
            "language": "en",
            "content": "é" * 512,
        },
    },
    "updatedPersonalMessage": {"format": "ASCII", "content": "Bye"},
}
FULL_21: dict[str, Any] = {
    **json.loads(json.dumps(FULL_201)),
    "transactionLimit": {
        "customData": CUSTOM,
        "maxCost": 50.0,
        "maxEnergy": 40000.0,
        "maxTime": 7200,
        "maxSoC": 80,
    },
    "updatedPersonalMessage": {"format": "QRCODE", "content": "q" * 1024},
    "updatedPersonalMessageExtra": [
        {"format": "UTF8", "language": "de", "content": "Tschüss"},
        {"format": "HTML", "content": "<b>x</b>", "customData": CUSTOM},
        {"format": "URI", "content": "https://example.invalid/"},
        {"format": "ASCII", "content": ""},
    ],
}
FULL_21["idTokenInfo"].update(evseId=[0, 3])
FULL_21["idTokenInfo"]["groupIdToken"].update(idToken="g" * 255, type="EVCCID")


def with_(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``base`` with the value at JSON Pointer ``path`` set (or added)."""
    out: dict[str, Any] = json.loads(json.dumps(base))
    *parents, last = path.strip("/").split("/")
    node: Any = out
    for step in parents:
        node = node[int(step)] if isinstance(node, list) else node[step]
    if isinstance(node, list) and int(last) == len(node):
        node.append(value)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


VALID: dict[str, tuple[str, dict[str, Any]]] = {
    "empty": ("2.0.1", {}),
    "just a status": ("2.0.1", {"idTokenInfo": {"status": "Accepted"}}),
    "every 2.0.1 property": ("2.0.1", FULL_201),
    "a 2.0.1 negative EVSE id": ("2.0.1", with_(FULL_201, "/idTokenInfo/evseId", [-1])),
    "a free transaction": ("2.0.1", {"totalCost": 0.0}),
    "every 2.1 property": ("2.1", FULL_21),
    "an empty limit": ("2.1", {"transactionLimit": {}}),
}


def oracle_faults(payload: Any, dialect: str) -> set[tuple[str, str]]:
    """The (code, pointer) pairs the schema of ``dialect`` reports for ``payload``."""
    errors = list(ORACLES[dialect].iter_errors(payload))
    return {(code, path) for path, code in S.oracle_expectations(errors)}


@pytest.mark.parametrize("name", VALID)
def test_valid_payloads_decode_round_trip_and_pickle(name: str) -> None:
    dialect, payload = VALID[name]
    assert oracle_faults(payload, dialect) == set()
    for data in S.input_forms(payload):
        response = TransactionEventResponse.from_json(data, dialect=dialect)  # type: ignore[arg-type]
        assert json.loads(response.to_json()) == payload
        again = TransactionEventResponse.from_json(response.to_json(), dialect=dialect)  # type: ignore[arg-type]
        assert again == response
        assert pickle.loads(pickle.dumps(response)) == response
    if dialect == "2.0.1" and "evseId" not in json.dumps(payload):
        # A 2.0.1 response is the same value in 2.1.
        assert TransactionEventResponse.from_json(
            json.dumps(payload), dialect="2.1"
        ) == TransactionEventResponse.from_json(json.dumps(payload))


@pytest.mark.parametrize(
    "payload",
    [
        FULL_21,
        {"transactionLimit": {}},
        {"updatedPersonalMessageExtra": [{"format": "ASCII", "content": "x"}]},
        {"updatedPersonalMessage": {"format": "QRCODE", "content": "x"}},
        {"updatedPersonalMessage": {"format": "ASCII", "content": "c" * 513}},
        {"idTokenInfo": {"status": "Accepted", "groupIdToken": {"idToken": "g", "type": "NEVI"}}},
    ],
    ids=["every 2.1 property", "limit", "extra", "qrcode", "content 513", "2.1 token type"],
)
def test_2_0_1_refuses_what_only_2_1_allows_as_its_schema_does(payload: dict[str, Any]) -> None:
    assert oracle_faults(payload, "2.1") == set()
    expected = oracle_faults(payload, "2.0.1")
    assert expected
    for data in S.input_forms(payload):
        assert S.fault(lambda: TransactionEventResponse.from_json(data)) in expected  # noqa: B023


INVALID = [
    ("2.0.1", "/totalCost", "12", "TypeConstraintViolation"),
    ("2.0.1", "/chargingPriority", 1.5, "TypeConstraintViolation"),
    ("2.0.1", "/surprise", 1, "ProtocolError"),
    ("2.0.1", "/customData/vendorId", "v" * 256, "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/status", "Maybe", "PropertyConstraintViolation"),
    (
        "2.0.1",
        "/idTokenInfo/cacheExpiryDateTime",
        "2024-02-30T00:00:00Z",
        "PropertyConstraintViolation",
    ),
    ("2.0.1", "/idTokenInfo/language1", "123456789", "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/language2", 8, "TypeConstraintViolation"),
    ("2.0.1", "/idTokenInfo/evseId", [], "OccurrenceConstraintViolation"),
    ("2.0.1", "/idTokenInfo/evseId/1", "2", "TypeConstraintViolation"),
    ("2.0.1", "/idTokenInfo/groupIdToken/type", "EVCCID", "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/groupIdToken/idToken", "g" * 37, "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/personalMessage/format", "QRCODE", "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/personalMessage/content", "c" * 513, "PropertyConstraintViolation"),
    ("2.0.1", "/idTokenInfo/personalMessage/surprise", 1, "ProtocolError"),
    ("2.0.1", "/updatedPersonalMessage/language", "l" * 9, "PropertyConstraintViolation"),
    ("2.0.1", "/transactionLimit", {}, "ProtocolError"),
    ("2.1", "/idTokenInfo/evseId/0", -1, "PropertyConstraintViolation"),
    ("2.1", "/updatedPersonalMessage/content", "c" * 1025, "PropertyConstraintViolation"),
    ("2.1", "/updatedPersonalMessage/format", "PDF", "PropertyConstraintViolation"),
    ("2.1", "/updatedPersonalMessageExtra", [], "OccurrenceConstraintViolation"),
    (
        "2.1",
        "/updatedPersonalMessageExtra/4",
        {"format": "ASCII", "content": "x"},
        "OccurrenceConstraintViolation",
    ),
    ("2.1", "/updatedPersonalMessageExtra/0/content", 1, "TypeConstraintViolation"),
    ("2.1", "/transactionLimit/maxSoC", 101, "PropertyConstraintViolation"),
    ("2.1", "/transactionLimit/maxCost", "1", "TypeConstraintViolation"),
    ("2.1", "/idTokenInfo/groupIdToken/type", "t" * 21, "PropertyConstraintViolation"),
]


@pytest.mark.parametrize(
    ("dialect", "path", "value", "code"), INVALID, ids=[f"{c[0]} {c[1]}" for c in INVALID]
)
def test_each_fault_gives_the_oracles_code_and_pointer(
    dialect: str, path: str, value: Any, code: str
) -> None:
    payload = with_(FULL_21 if dialect == "2.1" else FULL_201, path, value)
    # A fifth extra message is a fault of the array, not of the item.
    pointer = path.rsplit("/", 1)[0] if path.endswith("Extra/4") else path
    assert oracle_faults(payload, dialect) == {(code, pointer)}
    for data in S.input_forms(payload):
        got = S.fault(lambda: TransactionEventResponse.from_json(data, dialect=dialect))  # type: ignore[arg-type]  # noqa: B023
        assert got == (code, pointer)


@pytest.mark.parametrize("missing", ["/idTokenInfo/status", "/updatedPersonalMessage/content"])
def test_a_missing_required_property_is_an_occurrence_violation(missing: str) -> None:
    payload = json.loads(json.dumps(FULL_201))
    parent, key = missing.rsplit("/", 1)
    del payload[parent.strip("/")][key]
    assert oracle_faults(payload, "2.0.1") == {("OccurrenceConstraintViolation", missing)}
    for data in S.input_forms(payload):
        assert S.fault(lambda: TransactionEventResponse.from_json(data)) == (  # noqa: B023
            "OccurrenceConstraintViolation",
            missing,
        )


def built_full_21() -> TransactionEventResponse:
    """``FULL_21`` built by keyword."""
    message = FULL_201["idTokenInfo"]["personalMessage"]
    return TransactionEventResponse(
        custom_data=CUSTOM,
        total_cost=12.5,
        charging_priority=-9,
        id_token_info=IdTokenInfo(
            custom_data=CUSTOM,
            status=AuthorizationStatus.CONCURRENT_TX,
            cache_expiry_date_time=datetime(2024, 6, 1, 2, tzinfo=timezone(timedelta(hours=2))),
            charging_priority=9,
            language1="en-GB",
            evse_id=(0, 3),
            group_id_token=IdToken.from_json(
                json.dumps(FULL_21["idTokenInfo"]["groupIdToken"]), dialect="2.1"
            ),
            language2="nl",
            personal_message=MessageContent(
                MessageFormat.UTF8, message["content"], language="en", custom_data=CUSTOM
            ),
        ),
        transaction_limit=TransactionLimit(
            max_cost=50, max_energy=40000, max_time=7200, max_soc=80, custom_data=CUSTOM
        ),
        updated_personal_message=MessageContent("QRCODE", "q" * 1024),
        updated_personal_message_extra=[
            MessageContent("UTF8", "Tschüss", language="de"),
            MessageContent(format="HTML", content="<b>x</b>", custom_data=CUSTOM),
            MessageContent("URI", "https://example.invalid/"),
            MessageContent("ASCII", ""),
        ],
    )


def test_keyword_construction_builds_the_decoded_value_and_reads_typed() -> None:
    built = built_full_21()
    decoded = TransactionEventResponse.from_json(json.dumps(FULL_21), dialect="2.1")
    assert built == decoded
    assert json.loads(built.to_json()) == FULL_21
    assert built.total_cost == 12.5 and built.charging_priority == -9
    info = built.id_token_info
    assert info is not None
    assert info.status is AuthorizationStatus.CONCURRENT_TX
    assert info.cache_expiry_date_time == datetime(2024, 6, 1, tzinfo=timezone.utc)
    assert info.evse_id == (0, 3) and info.language1 == "en-GB" and info.language2 == "nl"
    assert info.group_id_token is not None and info.group_id_token.type == "EVCCID"
    assert info.personal_message is not None
    assert info.personal_message.format is MessageFormat.UTF8
    assert info.custom_data == CUSTOM
    assert built.transaction_limit == TransactionLimit(
        max_cost=50.0, max_energy=40000.0, max_time=7200, max_soc=80, custom_data=CUSTOM
    )
    extra = built.updated_personal_message_extra
    assert extra is not None
    assert [m.format for m in extra] == [
        MessageFormat.UTF8,
        MessageFormat.HTML,
        MessageFormat.URI,
        MessageFormat.ASCII,
    ]
    assert built.updated_personal_message == MessageContent(MessageFormat.QRCODE, "q" * 1024)
    assert TransactionEventResponse() != built
    empty = TransactionEventResponse()
    assert (empty.id_token_info, empty.transaction_limit, empty.custom_data) == (None, None, None)


def test_repr_names_the_fields_present() -> None:
    response = TransactionEventResponse(
        total_cost=1.5,
        id_token_info=IdTokenInfo("Accepted", evse_id=[1], group_id_token=IdToken("g", "Local")),
        updated_personal_message=MessageContent("ASCII", "hi"),
    )
    assert repr(response) == (
        "TransactionEventResponse(total_cost=1.5, id_token_info=IdTokenInfo("
        "status=AuthorizationStatus.ACCEPTED, evse_id=(1,), group_id_token=IdToken("
        "id_token='g', type=IdTokenType.LOCAL)), updated_personal_message=MessageContent("
        "format=MessageFormat.ASCII, content='hi'))"
    )
    assert repr(TransactionEventResponse()) == "TransactionEventResponse()"


def test_what_either_dialect_allows_is_built_and_pickled() -> None:
    # 2.0.1 has no minimum for the EVSE ids; 2.1 a longer content and QRCODE: pickles keep both.
    response = TransactionEventResponse(
        id_token_info=IdTokenInfo("Accepted", evse_id=[-1]),
        updated_personal_message=MessageContent("QRCODE", "c" * 1024),
    )
    assert pickle.loads(pickle.dumps(response)) == response
    for part in (response.id_token_info, response.updated_personal_message):
        assert pickle.loads(pickle.dumps(part)) == part
    assert S.fault(
        lambda: TransactionEventResponse.from_json(response.to_json(), dialect="2.1")
    ) == (
        "PropertyConstraintViolation",
        "/idTokenInfo/evseId/0",
    )
    assert S.fault(lambda: TransactionEventResponse.from_json(response.to_json())) == (
        "PropertyConstraintViolation",
        "/updatedPersonalMessage/format",
    )


CONSTRUCTOR_FAULTS: list[tuple[Callable[[], Any], str, str]] = [
    (lambda: MessageContent("Fax", "x"), "PropertyConstraintViolation", "/format"),
    (lambda: MessageContent("ASCII", "c" * 1025), "PropertyConstraintViolation", "/content"),
    (lambda: MessageContent("ASCII", 5), "TypeConstraintViolation", "/content"),
    (
        lambda: MessageContent("ASCII", "x", language="l" * 9),
        "PropertyConstraintViolation",
        "/language",
    ),
    (
        lambda: MessageContent("ASCII", "x", custom_data={}),
        "OccurrenceConstraintViolation",
        "/customData/vendorId",
    ),
    (lambda: IdTokenInfo("Maybe"), "PropertyConstraintViolation", "/status"),
    (lambda: IdTokenInfo("Accepted", evse_id=[]), "OccurrenceConstraintViolation", "/evseId"),
    (lambda: IdTokenInfo("Accepted", evse_id=[1, 1.5]), "TypeConstraintViolation", "/evseId/1"),
    (lambda: IdTokenInfo("Accepted", evse_id=[True]), "TypeConstraintViolation", "/evseId/0"),
    (lambda: IdTokenInfo("Accepted", evse_id=1), "TypeConstraintViolation", "/evseId"),
    (
        lambda: IdTokenInfo("Accepted", charging_priority="1"),
        "TypeConstraintViolation",
        "/chargingPriority",
    ),
    (
        lambda: IdTokenInfo("Accepted", language2="l" * 9),
        "PropertyConstraintViolation",
        "/language2",
    ),
    (
        lambda: IdTokenInfo("Accepted", cache_expiry_date_time=datetime(2024, 1, 1)),
        "PropertyConstraintViolation",
        "/cacheExpiryDateTime",
    ),
    (
        lambda: IdTokenInfo("Accepted", group_id_token={"idToken": "g"}),
        "TypeConstraintViolation",
        "/groupIdToken",
    ),
    (
        lambda: IdTokenInfo("Accepted", personal_message="hi"),
        "TypeConstraintViolation",
        "/personalMessage",
    ),
    (
        lambda: TransactionEventResponse(total_cost=float("nan")),
        "PropertyConstraintViolation",
        "/totalCost",
    ),
    (lambda: TransactionEventResponse(total_cost="1"), "TypeConstraintViolation", "/totalCost"),
    (
        lambda: TransactionEventResponse(charging_priority=1.5),
        "TypeConstraintViolation",
        "/chargingPriority",
    ),
    (
        lambda: TransactionEventResponse(id_token_info="Accepted"),
        "TypeConstraintViolation",
        "/idTokenInfo",
    ),
    (
        lambda: TransactionEventResponse(transaction_limit={}),
        "TypeConstraintViolation",
        "/transactionLimit",
    ),
    (
        lambda: TransactionEventResponse(updated_personal_message_extra=[]),
        "OccurrenceConstraintViolation",
        "/updatedPersonalMessageExtra",
    ),
    (
        lambda: TransactionEventResponse(
            updated_personal_message_extra=[MessageContent("ASCII", "x")] * 5
        ),
        "OccurrenceConstraintViolation",
        "/updatedPersonalMessageExtra",
    ),
    (
        lambda: TransactionEventResponse(
            updated_personal_message_extra=[MessageContent("ASCII", "x"), "y"]
        ),
        "TypeConstraintViolation",
        "/updatedPersonalMessageExtra/1",
    ),
]


@pytest.mark.parametrize(("build", "code", "path"), CONSTRUCTOR_FAULTS)
def test_constructors_validate_like_decoding(
    build: Callable[[], Any], code: str, path: str
) -> None:
    assert S.fault(build) == (code, path)


@pytest.mark.parametrize("dialect", ["2.0.1", "2.1"])
def test_the_callresult_decodes_into_the_type_and_encodes_back(dialect: str) -> None:
    payload = FULL_21 if dialect == "2.1" else FULL_201
    frame = json.dumps([3, "te-9", payload])
    for data in S.input_forms([3, "te-9", payload]):
        message = decode_message(data, "TransactionEvent", dialect=dialect)  # type: ignore[arg-type]
        assert isinstance(message, CallResult) and message.message_id == "te-9"
        assert message.payload == TransactionEventResponse.from_json(
            json.dumps(payload),
            dialect=dialect,  # type: ignore[arg-type]
        )
        assert message == CallResult("te-9", message.payload)
        assert isinstance(message.payload, TransactionEventResponse)
        assert json.loads(encode_call_result("te-9", message.payload)) == json.loads(frame)
    # Read as the answer to MeterValues, whose schema has no such property, it is refused.
    assert S.fault(lambda: decode_message(frame, dialect=dialect)) == (  # type: ignore[arg-type]
        "ProtocolError",
        "/totalCost",
    )
    assert S.fault(lambda: CallResult("te-9", IdTokenInfo("Accepted"))) == (  # type: ignore[arg-type]
        "TypeConstraintViolation",
        "/payload",
    )
