"""Round trip through AWS CLI v2 (/usr/bin/aws) over http and https."""

import unittest

import harness
from cli_roundtrip import CliRoundTrip


@harness.skip_without_cli_v2
class CliV2RoundTripTest(CliRoundTrip, harness.ServerTestCase):
    V2 = True

    def test_round_trip_http(self):
        self.run_round_trip(https=False)

    def test_round_trip_https(self):
        self.run_round_trip(https=True)


if __name__ == "__main__":
    unittest.main()
