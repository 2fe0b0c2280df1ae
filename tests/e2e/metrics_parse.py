"""Parses a /metrics answer with the Prometheus project's own Python
parser (prometheus_client), for tests/e2e/metrics.rs.

Reads the exposition from standard input; the first argument says its
format: `prometheus` (text format 0.0.4) or `openmetrics` (OpenMetrics 1.0,
whose parser also insists on the closing `# EOF`). Writes one JSON object:
{"families": [{"name", "type", "help", "samples": [{"name", "labels",
"value"}]}]}. A malformed exposition makes the parser raise: the script
then exits non-zero with the parser's words on standard error.
"""

import json
import math
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families


def main() -> None:
    kind = sys.argv[1]
    text = sys.stdin.read()
    parse = openmetrics_families if kind == "openmetrics" else text_string_to_metric_families
    families = []
    for family in parse(text):
        samples = []
        for sample in family.samples:
            value = sample.value
            # JSON has no infinity; no gradflow figure is one, so say it.
            if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
                value = str(value)
            samples.append({"name": sample.name, "labels": dict(sample.labels), "value": value})
        families.append(
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": samples,
            }
        )
    json.dump({"families": families}, sys.stdout)


if __name__ == "__main__":
    main()
