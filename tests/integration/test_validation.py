"""Every operation's input, member by member, against the official API model.

The cases are generated from src/api/model/kinesis-2013-12-02.json: for each of the 39
operations and each member of its input (recursively into structures, lists and maps),

  * one request per constraint the model puts on the member (required, min/max length of
    strings, lists, maps and blobs, min/max value of numbers, pattern, enum), otherwise valid,
    with exactly one bad value, answered by a ValidationException;
  * one request per wrong JSON type for the member's type, answered by a SerializationException.

The expected texts are not taken from Sluice: `coral_errors` below is a small, separate Python
version of the rules AWS's front end (Coral) applies, written from the texts recorded from the
real service (AWS-COMPAT.md "Errors" and "Envelope details", and kinesalite's tests, which ran
against AWS), so a regression in either implementation shows up as a difference.

No request here reaches a handler (each one breaks the model somewhere), so the test does not
depend on which operations Sluice implements. One server and one keep-alive connection serve
every case.
"""

import base64
import http.client
import json
import os
import re
import unittest

import harness

MODEL_PATH = os.path.join(harness.REPO_ROOT, "src", "api", "model", "kinesis-2013-12-02.json")
with open(MODEL_PATH, encoding="utf-8") as model_file:
    MODEL = json.load(model_file)
SHAPES = MODEL["shapes"]
OPERATIONS = sorted(MODEL["operations"])

MAX_REPORTED_ERRORS = 10
MISMATCHES_SHOWN = int(os.environ.get("VALIDATION_MISMATCHES_SHOWN", "25"))

# ---------------------------------------------------------------------------------------------
# Coral's rules, as AWS answers them.
# ---------------------------------------------------------------------------------------------


def lower_first(name):
    return name[:1].lower() + name[1:]


def java_length(text):
    """String.length() in Java: UTF-16 code units, not bytes (so 'é' counts once)."""
    return len(text.encode("utf-16-le")) // 2


def members_of(shape):
    return shape.get("members", {})


def is_required(shape, member):
    return member in shape.get("required", [])


def printed(shape_name, value):
    """A value as Coral prints it inside 'Value '...' at ...'.

    Blobs are Java ByteBuffers, lists [a, b], maps {k=v}, structures the Java model classes'
    toString ({Data: ...,PartitionKey: k}, members in model order)."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "blob":
        size = len(base64.b64decode(value))
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if kind == "list":
        item = shape["member"]["shape"]
        return "[" + ", ".join("null" if v is None else printed(item, v) for v in value) + "]"
    if kind == "map":
        item = shape["value"]["shape"]
        return "{" + ", ".join(f"{k}={printed(item, v)}" for k, v in value.items()) + "}"
    if kind == "structure":
        parts = [f"{name}: {printed(member['shape'], value[name])}"
                 for name, member in members_of(shape).items() if value.get(name) is not None]
        return "{" + ",".join(parts) + "}"
    if kind in ("integer", "long"):
        return str(int(value))
    return str(value)


def length_texts(shape):
    texts = []
    if "min" in shape:
        texts.append(("min", f"Member must have length greater than or equal to {shape['min']}"))
    if "max" in shape:
        texts.append(("max", f"Member must have length less than or equal to {shape['max']}"))
    return texts


def element_constraints(shape):
    """How Coral names the constraints of a list's elements or a map's keys or values when one
    of them fails: all of them, in one bracket, maximum before minimum ('[Member must have
    length less than or equal to 128, Member must have length greater than or equal to 1]')."""
    parts = [text for _, text in reversed(length_texts(shape))]
    if "pattern" in shape:
        parts.append(f"Member must satisfy regular expression pattern: {shape['pattern']}")
    if "enum" in shape:
        parts.append(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    return "[" + ", ".join(parts) + "]"


def has_constraints(shape):
    return any(key in shape for key in ("min", "max", "pattern", "enum"))


def coral_errors(shape_name, value, path="", required=True):
    """The validation errors of `value` (JSON as sent) for `shape_name`, in the order Sluice
    reports them: members in model order; within one string member the pattern, then the
    minimum and maximum length, then the enum; a list's or map's own length before its
    elements."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    errors = []

    def fail(constraint):
        shown = "null" if value is None else f"'{printed(shape_name, value)}'"
        errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def check_length(length):
        for bound, text in length_texts(shape):
            if (bound == "min" and length < shape["min"]) or (
                    bound == "max" and length > shape["max"]):
                fail(text)

    if value is None:
        if required:
            fail("Member must not be null")
        return errors
    if kind == "structure":
        for name, member in members_of(shape).items():
            child = f"{path}.{lower_first(name)}" if path else lower_first(name)
            errors += coral_errors(member["shape"], value.get(name), child,
                                   is_required(shape, name))
    elif kind == "string":
        if "pattern" in shape and not re.fullmatch(shape["pattern"], value, re.ASCII):
            fail(f"Member must satisfy regular expression pattern: {shape['pattern']}")
        check_length(java_length(value))
        if "enum" in shape and value not in shape["enum"]:
            fail(f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]")
    elif kind in ("integer", "long"):
        number = int(value)
        if "min" in shape and number < shape["min"]:
            fail(f"Member must have value greater than or equal to {shape['min']}")
        if "max" in shape and number > shape["max"]:
            fail(f"Member must have value less than or equal to {shape['max']}")
    elif kind == "blob":
        check_length(len(base64.b64decode(value)))
    elif kind == "list":
        check_length(len(value))
        item = shape["member"]["shape"]
        if SHAPES[item]["type"] == "structure":
            for index, element in enumerate(value):
                errors += coral_errors(item, element, f"{path}.{index + 1}.member", False)
        elif any(coral_errors(item, element, "x", False) for element in value):
            fail("Member must satisfy constraint: " + element_constraints(SHAPES[item]))
    elif kind == "map":
        check_length(len(value))
        key_shape, value_shape = shape["key"]["shape"], shape["value"]["shape"]
        if any(coral_errors(key_shape, key, "x") for key in value):
            fail("Map keys must satisfy constraint: " + element_constraints(SHAPES[key_shape]))
        if any(coral_errors(value_shape, item, "x") for item in value.values()):
            fail("Map value must satisfy constraint: " + element_constraints(SHAPES[value_shape]))
    return errors


def coral_message(errors):
    shown = errors[:MAX_REPORTED_ERRORS]
    plural = "s" if len(shown) > 1 else ""
    return f"{len(shown)} validation error{plural} detected: " + "; ".join(shown)


# A JSON value of the wrong type for each member type, and Coral's text for it. Numbers are read
# as Coral's TruncatingBigNumber; a string is quoted back in upper case for a Boolean; timestamps
# are "milliseconds since epoch".
NUMBER_CLASS = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber"
LIST_START = "Start of list found where not expected"
MAP_START = "Start of structure or map found where not expected."
NUMBERS = (23, -2147483648, 2147483648, 34.56)


def wrong_types(kind):
    if kind == "string":
        return ([(True, "class java.lang.Boolean can not be converted to an String")] +
                [(n, f"{NUMBER_CLASS} can not be converted to an String") for n in NUMBERS] +
                [([], LIST_START), ({}, MAP_START)])
    if kind in ("integer", "long"):
        article = "an Integer" if kind == "integer" else "an Long"
        return [("23", f"class java.lang.String can not be converted to {article}"),
                (True, f"class java.lang.Boolean can not be converted to {article}"),
                ([], LIST_START), ({}, MAP_START)]
    if kind == "boolean":
        return ([("23", "'23' can not be converted to an Boolean"),
                 ("maybe", "'MAYBE' can not be converted to an Boolean")] +
                [(n, f"{NUMBER_CLASS} can not be converted to an Boolean") for n in NUMBERS[:3]] +
                [([], LIST_START), ({}, MAP_START)])
    if kind == "blob":
        return ([(True, "class java.lang.Boolean can not be converted to a Blob")] +
                [(n, f"{NUMBER_CLASS} can not be converted to a Blob") for n in NUMBERS] +
                [([], LIST_START), ({}, MAP_START),
                 ("23456", "'23456' can not be converted to a Blob: Base64 encoded length is "
                           "expected a multiple of 4 bytes but found: 5"),
                 ("=+/=", "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"),
                 ("+/+=", "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 "
                          "character dectected")])
    if kind == "timestamp":
        return [(True, "class java.lang.Boolean can not be converted to milliseconds since epoch"),
                ("23", "class java.lang.String can not be converted to milliseconds since epoch"),
                ([], LIST_START), ({}, MAP_START)]
    if kind == "list":
        return [(v, "Expected list or null") for v in ("23", True, *NUMBERS)] + [({}, MAP_START)]
    if kind == "map":
        return [(v, "Expected map or null") for v in ("23", True, *NUMBERS)] + [([], LIST_START)]
    if kind == "structure":
        return [(v, "Expected null") for v in ("23", True, *NUMBERS)] + [([], LIST_START)]
    raise AssertionError(f"no wrong JSON types for {kind}")


# ---------------------------------------------------------------------------------------------
# Valid and invalid values, from the model.
# ---------------------------------------------------------------------------------------------

STREAM = "validation-stream"
STREAM_ARN = f"arn:aws:kinesis:us-east-1:{harness.ACCOUNT}:stream/{STREAM}"
# Patterned strings cannot be generated from their lengths: a valid value for each.
PATTERNED = {
    "StreamName": STREAM,
    "ConsumerName": "validation-consumer",
    "StreamARN": STREAM_ARN,
    "ResourceARN": STREAM_ARN,
    "ConsumerARN": f"{STREAM_ARN}/consumer/validation-consumer:1700000000",
    "ShardId": "shardId-000000000000",
    "SequenceNumber": "49647060812288014558888668248263847763900017820167045122",
    "HashKey": "170141183460469231731687303715884105728",
    "StreamId": "abcdefghij0123456789-abc",
}
# One UTF-16 unit (what Java counts) but two UTF-8 bytes: valid strings are as long as their
# maximum in this character, so a length counted in bytes would refuse them.
WIDE = "\u00e9"
# Past this, a valid unpatterned string is kept at its minimum length (NextToken allows 1 MiB).
LONGEST_VALID_STRING = 4096
OMITTED = object()  # a member left out of the request


def valid(shape_name):
    """A value that satisfies every constraint of `shape_name`; structures carry their required
    members only."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "string":
        if "enum" in shape:
            return shape["enum"][0]
        if "pattern" in shape:
            return PATTERNED[shape_name]
        maximum = shape.get("max", 1)
        return WIDE * (maximum if maximum <= LONGEST_VALID_STRING else max(shape.get("min", 0), 1))
    if kind in ("integer", "long"):
        return shape.get("min", shape.get("max", 1))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 1700000000.5
    if kind == "blob":
        return base64.b64encode(b"validation").decode()
    if kind == "list":
        return [valid(shape["member"]["shape"])] * max(shape.get("min", 1), 1)
    if kind == "map":
        return {valid(shape["key"]["shape"]): valid(shape["value"]["shape"])}
    if kind == "structure":
        return {name: valid(member["shape"]) for name, member in members_of(shape).items()
                if is_required(shape, name)}
    raise AssertionError(f"no valid value for {shape_name} ({kind})")


def too_long(shape_name, length):
    """A string of `length` that keeps the shape's pattern where a longer value can."""
    if "pattern" in SHAPES[shape_name]:
        base = PATTERNED[shape_name]
        return base + "1" * (length - len(base))
    return WIDE * length


def blob_of(size):
    return base64.b64encode(b"\0" * size).decode()


def bad_values(shape_name):
    """(what is broken, value) for each constraint of a scalar, list or map shape; each value
    breaks the model in exactly one place."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    cases = []
    if kind == "string":
        if "pattern" in shape:
            cases.append(("pattern", "!" * max(shape.get("min", 1), 1)))
        if shape.get("min", 0) > 0:
            cases.append(("min length", valid(shape_name)[:shape["min"] - 1]))
        if "max" in shape:
            cases.append(("max length", too_long(shape_name, shape["max"] + 1)))
        if "enum" in shape:
            cases.append(("enum", "NOT_" + shape["enum"][0]))
    elif kind in ("integer", "long"):
        if "min" in shape:
            cases.append(("min value", shape["min"] - 1))
        if "max" in shape:
            cases.append(("max value", shape["max"] + 1))
    elif kind == "blob":
        if shape.get("min", 0) > 0:
            cases.append(("min length", blob_of(shape["min"] - 1)))
        if "max" in shape:
            cases.append(("max length", blob_of(shape["max"] + 1)))
    elif kind == "list":
        item = shape["member"]["shape"]
        if shape.get("min", 0) > 0:
            cases.append(("min length", [valid(item)] * (shape["min"] - 1)))
        if "max" in shape:
            cases.append(("max length", [valid(item)] * (shape["max"] + 1)))
        if SHAPES[item]["type"] != "structure":  # structures are walked into instead
            for what, bad in bad_values(item):
                cases.append((f"element {what}", [valid(item), bad]))
    elif kind == "map":
        key, value = shape["key"]["shape"], shape["value"]["shape"]
        if shape.get("min", 0) > 0:
            cases.append(("min length", {}))
        if "max" in shape:
            entries = {f"k{i:04d}": valid(value) for i in range(shape["max"] + 1)}
            cases.append(("max length", entries))
        for what, bad in bad_values(key):
            cases.append((f"key {what}", {bad: valid(value)}))
        for what, bad in bad_values(value):
            cases.append((f"value {what}", {valid(key): bad}))
    return cases


def member_paths(shape_name, steps=()):
    """(steps, shape name, parent shape name) of every member reachable from `shape_name`: a
    step is a member name, 0 for a list's first element, or a map key."""
    for name, member in members_of(SHAPES[shape_name]).items():
        child = member["shape"]
        yield steps + (name,), child, shape_name
        kind = SHAPES[child]["type"]
        if kind == "structure":
            yield from member_paths(child, steps + (name,))
        elif kind == "list":
            item = SHAPES[child]["member"]["shape"]
            yield steps + (name, 0), item, child
            if SHAPES[item]["type"] == "structure":
                yield from member_paths(item, steps + (name, 0))
        elif kind == "map":
            key = valid(SHAPES[child]["key"]["shape"])
            yield steps + (name, key), SHAPES[child]["value"]["shape"], child


def request_with(input_shape, steps, value):
    """The valid request of `input_shape` with the member at `steps` set to `value` (or left out,
    for OMITTED). Optional parents on the way are added with their required members."""
    body = valid(input_shape)
    container, shape_name = body, input_shape
    for position, step in enumerate(steps):
        shape = SHAPES[shape_name]
        if shape["type"] == "structure":
            shape_name = shape["members"][step]["shape"]
        elif shape["type"] == "list":
            shape_name = shape["member"]["shape"]
        else:
            shape_name = shape["value"]["shape"]
        if position == len(steps) - 1:
            if value is OMITTED:
                del container[step]
            else:
                container[step] = value
        else:
            if isinstance(container, dict) and step not in container:
                container[step] = valid(shape_name)
            container = container[step]
    return body


def describe(steps):
    return ".".join(str(step) if len(str(step)) < 40 else "<key>" for step in steps)


def input_of(operation):
    return MODEL["operations"][operation]["input"]["shape"]


def constraint_cases(operation):
    """(label, request) for every constraint of every structure member of `operation`'s input
    (list elements and map entries are broken through their list or map)."""
    input_shape = input_of(operation)
    for steps, shape_name, parent in member_paths(input_shape):
        if SHAPES[parent]["type"] != "structure":
            continue
        label = f"{operation} {describe(steps)}"
        if is_required(SHAPES[parent], steps[-1]):
            yield f"{label} missing", request_with(input_shape, steps, OMITTED)
        for what, bad in bad_values(shape_name):
            yield f"{label} {what}", request_with(input_shape, steps, bad)


def type_cases(operation):
    """(label, request, expected text) for every wrong JSON type of every member."""
    input_shape = input_of(operation)
    for steps, shape_name, _ in member_paths(input_shape):
        for bad, text in wrong_types(SHAPES[shape_name]["type"]):
            yield (f"{operation} {describe(steps)} = {json.dumps(bad)}",
                   request_with(input_shape, steps, bad), text)


# ---------------------------------------------------------------------------------------------
# The test.
# ---------------------------------------------------------------------------------------------


class ValidationTest(harness.ServerTestCase):
    """Every case against one server over one keep-alive connection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection = http.client.HTTPConnection("127.0.0.1", cls.server.port, timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.connection.close()
        super().tearDownClass()

    def call(self, operation, request):
        body = json.dumps(request).encode()
        headers = harness.signed_headers(operation, body)
        for attempt in (1, 2):  # the server may have closed an idle connection
            try:
                self.connection.request("POST", "/", body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, json.loads(response.read() or b"{}")
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def check_all(self, cases):
        """Sends every (label, operation, request, type, text); one failure lists them all."""
        mismatches = []
        for label, operation, request, error_type, text in cases:
            status, reply = self.call(operation, request)
            key = "Message" if error_type == "SerializationException" else "message"
            got = (status, reply.get("__type"), reply.get(key))
            if got != (400, error_type, text):
                mismatches.append(f"{label}\n    expected: {text}\n    got:      {got}")
        if mismatches:
            self.fail(f"{len(mismatches)} of {len(cases)} cases differ:\n" +
                      "\n".join(m[:2000] for m in mismatches[:MISMATCHES_SHOWN]))
        return len(cases)

    def test_the_model_has_39_operations(self):
        self.assertEqual(len(OPERATIONS), 39)

    def test_valid_requests_satisfy_the_rules(self):
        # The base of every case is valid by the rules, so each case breaks exactly what it says.
        for operation in OPERATIONS:
            input_shape = input_of(operation)
            self.assertEqual(coral_errors(input_shape, valid(input_shape)), [], operation)
            for steps, shape_name, _ in member_paths(input_shape):
                request = request_with(input_shape, steps, valid(shape_name))
                self.assertEqual(coral_errors(input_shape, request), [], (operation, steps))

    def test_every_constraint_of_every_member(self):
        cases = []
        for operation in OPERATIONS:
            input_shape = input_of(operation)
            for label, request in constraint_cases(operation):
                errors = coral_errors(input_shape, request)
                self.assertTrue(errors, f"{label}: the case breaks nothing")
                cases.append((label, operation, request, "ValidationException",
                              coral_message(errors)))
        self.assertGreater(self.check_all(cases), 150)

    def test_every_wrong_json_type_of_every_member(self):
        cases = [(label, operation, request, "SerializationException", text)
                 for operation in OPERATIONS
                 for label, request, text in type_cases(operation)]
        self.assertGreater(self.check_all(cases), 1000)

    def test_every_constrained_member_is_covered(self):
        # Each member with a constraint of its own (or required) has at least one case, and
        # every operation with input members has cases of both kinds.
        for operation in OPERATIONS:
            input_shape = input_of(operation)
            labels = [label for label, _ in constraint_cases(operation)]
            typed = list(type_cases(operation))
            if not members_of(SHAPES[input_shape]):
                self.assertEqual((labels, typed), ([], []), operation)
                continue
            self.assertTrue(typed, operation)
            for name, member in members_of(SHAPES[input_shape]).items():
                shape = SHAPES[member["shape"]]
                if has_constraints(shape) or is_required(SHAPES[input_shape], name):
                    self.assertTrue(
                        any(label.startswith(f"{operation} {name} ") for label in labels),
                        f"{operation}.{name} has no constraint case")

    def test_several_bad_members_are_reported_in_model_order(self):
        # Every member of the input broken at once (the first bad value of each, required
        # members without constraints left out): AWS's order across members is not stable
        # (see docs/compatibility.md); Sluice's is the model's, each member's errors together.
        cases = []
        for operation in OPERATIONS:
            input_shape = input_of(operation)
            shape = SHAPES[input_shape]
            request = valid(input_shape)
            for name, member in members_of(shape).items():
                bad = bad_values(member["shape"])
                if bad:
                    request[name] = bad[0][1]
                elif is_required(shape, name):
                    del request[name]
            errors = coral_errors(input_shape, request)
            if len(errors) > 1:
                cases.append((f"{operation} all members bad", operation, request,
                              "ValidationException", coral_message(errors)))
        self.assertGreater(self.check_all(cases), 25)

    def test_at_most_ten_errors_are_reported(self):
        # 12 records without partition keys and a bad stream name: the first ten errors only,
        # counted as ten (as AWS answered a 501-record PutRecords).
        request = {"StreamName": "", "Records": [{"Data": ""} for _ in range(12)]}
        errors = coral_errors("PutRecordsInput", request)
        self.assertEqual(len(errors), 14)
        self.check_all([("PutRecords 14 errors", "PutRecords", request, "ValidationException",
                         coral_message(errors))])
        self.assertTrue(coral_message(errors).startswith("10 validation errors detected: "))

    def test_lengths_count_utf16_units_not_bytes(self):
        # 256 'é' (512 UTF-8 bytes) is a valid partition key, 257 is one too many, and a
        # character outside the BMP counts twice, as in Java.
        key = WIDE * 256
        request = {"StreamName": "!", "PartitionKey": key, "Data": ""}
        emoji = "\U0001F600" * 129  # 258 UTF-16 units
        long_key = {"StreamName": STREAM, "PartitionKey": emoji, "Data": ""}
        self.check_all([
            ("256 wide characters", "PutRecord", request, "ValidationException",
             coral_message(coral_errors("PutRecordInput", request))),
            ("129 emoji", "PutRecord", long_key, "ValidationException",
             f"1 validation error detected: Value '{emoji}' at 'partitionKey' failed to satisfy "
             f"constraint: Member must have length less than or equal to 256"),
        ])

    def test_strings_coral_reads_as_booleans(self):
        # 'true'/'false'/'yes'/'no'/'1'/'0' are booleans to Coral: the request fails only on
        # its stream name.
        for text in ("true", "FALSE", "yes", "No", "1", "0"):
            request = {"StreamName": "!", "EnforceConsumerDeletion": text}
            self.check_all([(f"EnforceConsumerDeletion={text}", "DeleteStream", request,
                             "ValidationException",
                             coral_message(coral_errors("DeleteStreamInput", request)))])


if __name__ == "__main__":
    unittest.main()
