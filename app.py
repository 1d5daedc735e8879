"""Start the web page: ``python app.py [--host 127.0.0.1] [--port 7860] [--auth USER:PASSWORD] ...``.

The same as ``translator serve ...``: its options live in translator/cli/serve.py (``python app.py --help``
lists them), the page in translator/server/.
"""

import sys

from translator.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
