"""nns: everything of nnsreport except the report's rules, in layers that follow the data flow.

The rules themselves (categorisation, percent, key figures, internal
non-response, the table-20 rule, numbering) are the module :mod:`nnsreport`
beside this package. Each subpackage imports only the layers below it
(checked by import-linter, ``make lint``; see docs/architecture.md)::

    cli                          the command line
    review   build               audit and diff; plan, cache, kernels, collect, manifest, batch
    render                       the book to HTML and PDF, one renderer per format
    present                      great_tables, charts, prose, what the notebooks call
    spec                         the report model, context, table and chart builders, the registry of parts
    disclosure                   primary and complementary suppression
    layer                        the aggregated layer and the national facts
    registration                 registration files: template, container, sheets, csv, aggregate, ingest
    nnsreport                    the report's rules
    config  instrument           run settings and scope; the instrument as data
    errors  text  fsio           exceptions, Swedish formatting, atomic files
"""

import os

# openpyxl writes its XML with lxml when lxml is installed (python-pptx needs lxml) and with its own writer
# otherwise. The registration files and the demo data are written with its own writer, and the same data must
# give the same bytes (tests/unit/test_registration_ingest.py); openpyxl reads this switch once, on its first
# import, which comes after this package's.
os.environ.setdefault("OPENPYXL_LXML", "False")
