"""XLSForm -> XForm -> form engine: pure logic, no Flask."""

import os

# openpyxl reads workbook XML with lxml whenever lxml is installed (python-docx brings it), and then parses
# with lxml rather than defusedxml. Uploads are hostile: keep every openpyxl parse on defusedxml. This must
# run before openpyxl is first imported, which is why it sits in the package that reads uploads.
os.environ["OPENPYXL_LXML"] = "False"
