"""Round trip through AWS CLI v1 (the `aws` first on PATH) over http and https."""

import unittest

import harness
from cli_roundtrip import CliRoundTrip


class CliV1RoundTripTest(CliRoundTrip, harness.ServerTestCase):
    V2 = False

    def test_round_trip_http(self):
        self.run_round_trip(https=False)

    def test_round_trip_https(self):
        self.run_round_trip(https=True)


if __name__ == "__main__":
    unittest.main()
