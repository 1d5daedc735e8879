"""Start the web page: ``python app.py [--host 127.0.0.1] [--port 7860] [--auth USER:PASSWORD] ...``.

The page and its options live in translator/ui.py (``python app.py --help`` lists them); this file
only hands the command line over.
"""

import sys

from translator.ui import main

if __name__ == "__main__":
    sys.exit(main(prog="app.py"))
