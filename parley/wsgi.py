import os

from django.core.wsgi import get_wsgi_application

from parley.core import datadir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
# Settings only read the data directory and its secret key: a server that loads this module
# directly (`gunicorn parley.wsgi`) prepares them as the `parley` command does.
datadir.prepare()
application = get_wsgi_application()
