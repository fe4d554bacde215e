"""A tiny GeoIP2 Country database for the tests, written with mmdb-writer
(a test-only requirement): two documentation ranges (RFC 5737, RFC 3849)
placed in France and Germany, in the shape MaxMind's Country databases
have ({"country": {"iso_code": ...}}). No binary file is kept in the
repository: the tests write it where they need it.

    python -m tests.geoip_db out.mmdb     # the same file, for a look with mmdblookup
"""

import sys

from mmdb_writer import MMDBWriter
from netaddr import IPSet

FRENCH_IP = "192.0.2.10"
GERMAN_IP = "198.51.100.10"
GERMAN_IPV6 = "2001:db8::10"
UNKNOWN_IP = "203.0.113.10"
COUNTRIES = {
    "FR": ["192.0.2.0/24"],
    "DE": ["198.51.100.0/24", "2001:db8::/32"],
}


def write_country_db(path):
    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    for code, networks in COUNTRIES.items():
        writer.insert_network(IPSet(networks), {"country": {"iso_code": code}})
    writer.to_db_file(str(path))
    return path


if __name__ == "__main__":
    write_country_db(sys.argv[1])
