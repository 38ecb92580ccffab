"""The pure packages stay free of Flask and of the app."""

import subprocess
import sys


def test_pure_packages_do_not_import_flask():
    code = "import sys, forms, coding, analysis; print('flask' in sys.modules, 'app' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False False"
